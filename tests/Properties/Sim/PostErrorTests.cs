using FsCheck;
using FsCheck.Fluent;
using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Sim.Nic;
using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Sim;

/// <summary>
/// A post-error fault fails a post call the way rdma-core's providers do: the call returns the errno and
/// <c>bad_wr</c> points at WR n of the chain; the WRs before it are posted and complete, n and every WR after it are not
/// posted at all (no completion, no remote effect), and the queue pair stays usable.
/// </summary>
public sealed class PostErrorTests
{
    private const int SliceBytes = 256;
    private const byte Pattern = 0xA5;

    [HarnessProperty(MaxTest = 60)]
    public Property A_failed_post_send_posts_exactly_the_wrs_before_bad_wr()
    {
        var gen =
            from length in Gen.Choose(1, 8)
            from wr in Gen.Choose(0, 10)
            from nth in Gen.Choose(1, 3)
            from einval in Gen.Elements(false, true)
            select (length, wr, nth, einval);
        return Prop.ForAll(Arb.From(gen), c => CheckSend(c.length, c.wr, c.nth, c.einval ? Errno.EINVAL : Errno.ENOMEM));
    }

    [HarnessProperty(MaxTest = 60)]
    public Property A_failed_post_recv_posts_exactly_the_wrs_before_bad_wr()
    {
        var gen =
            from length in Gen.Choose(1, 8)
            from wr in Gen.Choose(0, 10)
            from nth in Gen.Choose(1, 3)
            from srq in Gen.Elements(false, true)
            select (length, wr, nth, srq);
        return Prop.ForAll(Arb.From(gen), c => CheckRecv(c.length, c.wr, c.nth, c.srq));
    }

    [Fact]
    public void A_post_fault_that_never_fired_is_reported()
    {
        var plan = FaultPlan.Of(new PostErrorFault(new QpSelector("client", 0), PostQueue.Send, 1000, 0, Errno.ENOMEM));
        using var pair = ConnectedPair.Create(new SimOptions { Faults = plan });
        ConnectedPair.Check(pair.Client.PostSend(WrOpcode.RdmaWrite, 1, pair.Client.Sge(0, 16), pair.Server.Buffer.Address, pair.Server.Mr.Rkey), "post_send");
        pair.PollUntil((cl, _) => cl.Count == 1);

        Assert.Equal([0], pair.Fabric.Faults.NeverFired());
    }

    [Fact]
    public void A_swarm_post_error_rate_of_one_fails_every_post_and_records_it()
    {
        var plan = new FaultPlan(Array.Empty<ScriptedFault>(), new SwarmProfile { PostErrorRate = 1 });
        using var pair = ConnectedPair.Create(new SimOptions { Faults = plan, TraceRecordsInMemory = 100_000 });
        var c = pair.Client;

        var rc = c.PostSend(WrOpcode.RdmaWrite, 1, c.Sge(0, 16), pair.Server.Buffer.Address, pair.Server.Mr.Rkey);

        Assert.Equal(Errno.ENOMEM, rc);
        Assert.Equal(0, c.Qp.OutstandingSends);
        Assert.Contains(pair.Fabric.Trace.Records, r => r.Op == "post_error" && r.Status == "ENOMEM");
    }

    private static bool CheckSend(int length, int wr, int nth, int errno)
    {
        var plan = FaultPlan.Of(new PostErrorFault(new QpSelector("client", 0), PostQueue.Send, nth, wr, errno));
        using var pair = ConnectedPair.Create(new SimOptions { Faults = plan });
        var c = pair.Client;
        var s = pair.Server;
        for (var call = 1; call < nth; call++)
        {
            ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, 1000 + (ulong)call, c.Sge(0, 16), s.Buffer.Address, s.Mr.Rkey), "earlier post_send");
        }

        c.Bytes(0, SliceBytes * length).Fill(Pattern);
        var chain = new SendWorkRequest[length];
        for (var i = 0; i < length; i++)
        {
            chain[i] = new SendWorkRequest { WrId = 100 + (ulong)i, Opcode = WrOpcode.RdmaWrite, Flags = SendFlags.Signaled, NumSge = 1, RemoteAddr = s.Buffer.Address + 4096 + (ulong)(i * SliceBytes), Rkey = s.Mr.Rkey };
            chain[i].SgList[0] = c.Sge(i * SliceBytes, SliceBytes);
        }

        var rc = c.Qp.PostSend(chain, out var bad);
        var expectedBad = Math.Min(wr, length - 1);
        var (cl, _) = pair.PollUntil((cl, _) => cl.Count == nth - 1 + expectedBad, what: "the completions of the posted WRs");
        pair.RunIdle(100_000);
        cl.AddRange(c.PollAll());

        // The QP is not in error: a WR posted after the failed call still executes.
        ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, 7, c.Sge(0, 16), s.Buffer.Address, s.Mr.Rkey), "post_send after the failure");
        var (after, _) = pair.PollUntil((a, _) => a.Count == 1, what: "the completion of a later WR");

        var ours = cl.Where(w => w.WrId is >= 100 and < 1000).ToList();
        Assert.True(rc == errno, $"rc {Errno.Name(rc)}, expected {Errno.Name(errno)}");
        Assert.Equal(expectedBad, bad);
        Assert.Equal(Enumerable.Range(0, expectedBad).Select(i => 100 + (ulong)i), ours.Select(w => w.WrId));
        Assert.All(ours, w => Assert.Equal(WcStatus.Success, w.Status));
        for (var i = 0; i < length; i++)
        {
            var expected = i < expectedBad ? Pattern : (byte)0;
            Assert.True(s.Bytes(4096 + (i * SliceBytes), SliceBytes).ToArray().All(b => b == expected), $"WR {i} of the chain: remote memory should be written only by the WRs before bad_wr {expectedBad}");
        }

        Assert.Equal(WcStatus.Success, after.Single().Status);
        Assert.Empty(pair.Fabric.Faults.NeverFired());
        return true;
    }

    private static bool CheckRecv(int length, int wr, int nth, bool srq)
    {
        var queue = srq ? PostQueue.Srq : PostQueue.Recv;
        var plan = FaultPlan.Of(new PostErrorFault(new QpSelector("server", 0), queue, nth, wr, Errno.ENOMEM));
        using var pair = ConnectedPair.Create(new SimOptions { Faults = plan }, serverSrq: srq);
        var c = pair.Client;
        var s = pair.Server;
        for (var call = 1; call < nth; call++)
        {
            ConnectedPair.Check(s.PostRecv(1000 + (ulong)call, s.Sge(0, 64)), "earlier post_recv");
        }

        var chain = new RecvWorkRequest[length];
        for (var i = 0; i < length; i++)
        {
            chain[i] = new RecvWorkRequest { WrId = 100 + (ulong)i, NumSge = 1 };
            chain[i].SgList[0] = s.Sge(4096 + (i * SliceBytes), SliceBytes);
        }

        int bad;
        var rc = srq ? s.Srq!.PostRecv(chain, out bad) : s.Qp.PostRecv(chain, out bad);
        var expectedBad = Math.Min(wr, length - 1);
        var posted = srq ? ((SimSrq)s.Srq!).Count : s.Qp.OutstandingRecvs;

        // Consume every posted receive with a SEND: the earlier calls' first, then the failed chain's, in order.
        var sends = nth - 1 + expectedBad;
        for (var i = 0; i < sends; i++)
        {
            ConnectedPair.Check(c.PostSend(WrOpcode.Send, 1 + (ulong)i, c.Sge(0, 16)), "post_send");
        }

        var (_, sl) = pair.PollUntil((cl, sl) => cl.Count == sends && sl.Count == sends, what: "the SENDs and their receives");
        var ours = sl.Where(w => w.WrId is >= 100 and < 1000).ToList();
        Assert.Equal(Errno.ENOMEM, rc);
        Assert.Equal(expectedBad, bad);
        Assert.Equal(nth - 1 + expectedBad, posted);
        Assert.Equal(Enumerable.Range(0, expectedBad).Select(i => 100 + (ulong)i), ours.Select(w => w.WrId));
        Assert.All(sl, w => Assert.Equal(WcStatus.Success, w.Status));
        Assert.Empty(pair.Fabric.Faults.NeverFired());
        return true;
    }
}
