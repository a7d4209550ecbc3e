using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Sim.Core;
using Harness.Tests.Properties.Support;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>
/// max_rd_atomic: a QP never has more RDMA READs outstanding than the initiator depth negotiated by the CM
/// (the connect's initiator_depth, capped by the acceptor's responder_resources), observed after every simulator event;
/// with enough READs queued it does reach that depth; and every READ still completes, in order.
/// </summary>
public sealed class ReadDepthTests
{
    [HarnessProperty(MaxTest = 60)]
    public Property Reads_in_flight_never_exceed_the_negotiated_depth()
    {
        var op = from isRead in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
                 from len in Gen.Choose(1, 16_384)
                 select (isRead ? WrOpcode.RdmaRead : WrOpcode.RdmaWrite, len);
        var gen =
            from initiatorDepth in Gen.Choose(1, 8)
            from responderResources in Gen.Choose(1, 8)
            from ops in Gen.Choose(1, 40).SelectMany(n => Gen.ArrayOf(op, n))
            from seed in Gen.Choose(1, 100_000)
            select (initiatorDepth, responderResources, ops, seed);
        return Prop.ForAll(Arb.From(gen), c => Check(c.initiatorDepth, c.responderResources, c.ops, (ulong)c.seed));
    }

    [Fact]
    public void Thirty_two_reads_with_depth_one_run_strictly_one_at_a_time()
    {
        Check(1, 4, Enumerable.Repeat((WrOpcode.RdmaRead, 4096), 32).ToArray(), 9);
    }

    private static void Check(int initiatorDepth, int responderResources, (WrOpcode Op, int Length)[] ops, ulong seed)
    {
        using var pair = ConnectedPair.Create(
            new SimOptions { Seed = seed },
            sendWr: 64,
            clientParam: new ConnParam { InitiatorDepth = (byte)initiatorDepth, ResponderResources = 4, RetryCount = 7, RnrRetryCount = 7 },
            serverParam: new ConnParam { InitiatorDepth = 4, ResponderResources = (byte)responderResources, RnrRetryCount = 7 });
        var c = pair.Client;
        var s = pair.Server;
        var depth = Math.Min(initiatorDepth, responderResources);
        Assert.True(c.Qp.Attributes.MaxRdAtomic == depth,
            $"client max_rd_atomic is {c.Qp.Attributes.MaxRdAtomic}; initiator_depth {initiatorDepth}, peer responder_resources {responderResources}");

        var wrs = new SendWorkRequest[ops.Length];
        for (var i = 0; i < wrs.Length; i++)
        {
            wrs[i] = new SendWorkRequest
            {
                WrId = (ulong)i + 1,
                Opcode = ops[i].Op,
                Flags = SendFlags.Signaled,
                NumSge = 1,
                RemoteAddr = s.Buffer.Address + 1024,
                Rkey = s.Mr.Rkey,
            };
            wrs[i].SgList[0] = c.Sge(ops[i].Op == WrOpcode.RdmaRead ? 32 * 1024 : 0, ops[i].Length);
        }

        ConnectedPair.Check(c.Qp.PostSend(wrs, out _), "post_send chain");
        var reads = ops.Count(o => o.Op == WrOpcode.RdmaRead);
        var peak = c.Qp.ReadsInFlight;
        var wcs = new List<WorkCompletion>();
        var steps = 0;
        while (wcs.Count < wrs.Length)
        {
            Assert.True(pair.Fabric.World.Step(), $"the world went quiet with {wcs.Count} of {wrs.Length} completions");
            steps++;
            var inFlight = c.Qp.ReadsInFlight;
            Assert.True(inFlight <= depth, $"step {steps} at {pair.Fabric.World.NowNs} ns: {inFlight} READs in flight, max_rd_atomic is {depth}");
            Assert.True(inFlight >= 0, $"step {steps}: READs in flight went negative ({inFlight})");
            peak = Math.Max(peak, inFlight);
            wcs.AddRange(c.PollAll());
        }

        Assert.True(peak == Math.Min(depth, reads), $"peak READs in flight {peak}, expected min(max_rd_atomic {depth}, READs {reads})");
        Assert.Equal(Enumerable.Range(1, wrs.Length).Select(i => (ulong)i), wcs.Select(w => w.WrId));
        Assert.All(wcs, w => Assert.True(w.Status == WcStatus.Success, $"WR {w.WrId} completed {w.Status.ToIbvName()}"));
        Assert.True(c.Qp.ReadsInFlight == 0, $"{c.Qp.ReadsInFlight} READ credit(s) leaked after every READ completed");
    }
}
