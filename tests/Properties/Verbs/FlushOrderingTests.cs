using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>
/// RC error semantics: when a QP hits its first error, that WR completes with the error and every other outstanding
/// WR (send and receive queue) completes with WR_FLUSH_ERR, each exactly once and in posting order; WRs posted after
/// that complete with WR_FLUSH_ERR straight away.
/// </summary>
public sealed class FlushOrderingTests
{
    /// <summary>Workload start: well after the connection is up, so timed faults are placed relative to it.</summary>
    private const long WorkloadStartNs = 10_000_000;

    private const ulong RecvWrIdBase = 1000;

    private static readonly WcStatus[] InjectableErrors =
    {
        WcStatus.LocLenErr, WcStatus.LocQpOpErr, WcStatus.LocProtErr, WcStatus.MwBindErr, WcStatus.BadRespErr, WcStatus.LocAccessErr,
        WcStatus.RemInvReqErr, WcStatus.RemAccessErr, WcStatus.RemOpErr, WcStatus.RetryExcErr, WcStatus.RnrRetryExcErr,
        WcStatus.RemAbortErr, WcStatus.FatalErr, WcStatus.GeneralErr,
    };

    private static readonly WrOpcode[] Opcodes = { WrOpcode.Send, WrOpcode.RdmaWrite, WrOpcode.RdmaRead };

    [HarnessProperty(MaxTest = 100)]
    public Property First_error_then_flushes_in_posting_order_exactly_once()
    {
        var op = from code in Gen.Elements(Opcodes) from len in Gen.Choose(1, 4096) select new Op(code, len);
        var gen =
            from ops in Gen.Choose(1, 24).SelectMany(n => Gen.ArrayOf(op, n))
            from recvs in Gen.Choose(0, 8)
            from injected in Gen.Elements(true, false)
            from errorIndex in Gen.Choose(0, ops.Length - 1)
            from status in Gen.Elements(InjectableErrors)
            from forceAtNs in Gen.Choose(0, 80_000)
            from seed in Gen.Choose(1, 1_000_000)
            select new Scenario(ops, recvs, injected ? new ErrorPoint(errorIndex, status, null) : new ErrorPoint(null, null, forceAtNs), (ulong)seed);
        return Prop.ForAll(Arb.From(gen), Check);
    }

    [Fact]
    public void Forced_error_before_anything_completes_flushes_everything_in_order()
    {
        var ops = Enumerable.Range(0, 12).Select(i => new Op(Opcodes[i % 3], 512 * (i + 1))).ToArray();
        Check(new Scenario(ops, 4, new ErrorPoint(null, null, 0), 7));
    }

    [Fact]
    public void Injected_error_on_the_first_wr_flushes_all_the_others()
    {
        var ops = Enumerable.Range(0, 10).Select(i => new Op(Opcodes[(i + 2) % 3], 100)).ToArray();
        Check(new Scenario(ops, 3, new ErrorPoint(0, WcStatus.RemAccessErr, null), 11));
    }

    private static void Check(Scenario sc)
    {
        var client = new QpSelector("client", 0);
        FaultPlan plan;
        if (sc.Error.Index is int k)
        {
            var kind = KindOf(sc.Ops[k].Opcode);
            var nth = sc.Ops.Take(k + 1).Count(o => KindOf(o.Opcode) == kind);
            plan = FaultPlan.Of(new WcErrorFault(client, kind, nth, sc.Error.Status!.Value));
        }
        else
        {
            plan = FaultPlan.Of(new ForceQpErrorFault(client, WorkloadStartNs + sc.Error.ForceAtOffsetNs!.Value));
        }

        using var pair = ConnectedPair.Create(new SimOptions { Seed = sc.Seed, Faults = plan }, sendWr: 64, recvWr: 64);
        var c = pair.Client;
        var s = pair.Server;
        Assert.True(pair.Fabric.World.NowNs < WorkloadStartNs, $"connection took until {pair.Fabric.World.NowNs} ns");
        pair.AdvanceTo(WorkloadStartNs);

        // Receives on the server for every SEND, and receives on the client QP that nothing will ever consume.
        var sends = sc.Ops.Count(o => o.Opcode == WrOpcode.Send);
        for (var i = 0; i < sends; i++)
        {
            ConnectedPair.Check(s.PostRecv((ulong)(5000 + i), s.Sge(i % 8 * 4096, 4096)), "server post_recv");
        }

        var recvs = new RecvWorkRequest[sc.ClientRecvs];
        for (var i = 0; i < recvs.Length; i++)
        {
            recvs[i] = new RecvWorkRequest { WrId = RecvWrIdBase + 1 + (ulong)i, NumSge = 1 };
            recvs[i].SgList[0] = c.Sge(32768 + (i * 1024), 1024);
        }

        ConnectedPair.Check(c.Qp.PostRecv(recvs, out _), "client post_recv chain");

        var wrs = new SendWorkRequest[sc.Ops.Length];
        for (var i = 0; i < wrs.Length; i++)
        {
            var o = sc.Ops[i];
            wrs[i] = new SendWorkRequest { WrId = (ulong)i + 1, Opcode = o.Opcode, Flags = SendFlags.Signaled, NumSge = 1 };
            wrs[i].SgList[0] = c.Sge(o.Opcode == WrOpcode.RdmaRead ? 16384 : 0, o.Length);
            if (o.Opcode != WrOpcode.Send)
            {
                wrs[i].RemoteAddr = s.Buffer.Address + 8192;
                wrs[i].Rkey = s.Mr.Rkey;
            }
        }

        var rc = c.Qp.PostSend(wrs, out var bad);
        Assert.True(rc == Errno.Ok, $"client post_send chain of {wrs.Length}: {Errno.Name(rc)} at WR {bad}");

        var polled = pair.PollUntil(
            (cl, _) => cl.Count(w => w.WrId <= (ulong)wrs.Length) == wrs.Length && cl.Count(w => w.WrId > RecvWrIdBase) == recvs.Length &&
                c.Qp.State == QpState.Err,
            what: $"{wrs.Length} send and {recvs.Length} receive completions on the client, and its QP in ERR");
        var clientWcs = polled.Client;

        Assert.True(c.Qp.State == QpState.Err, $"client QP is {c.Qp.State.ToName()} after the error point {sc.Error}");
        Assert.All(clientWcs, w => Assert.True(w.QpNum == c.Qp.QpNum, $"completion wr_id {w.WrId} names QP 0x{w.QpNum:x}"));

        var sendWcs = clientWcs.Where(w => w.WrId <= (ulong)wrs.Length).ToList();
        Assert.Equal(Enumerable.Range(1, wrs.Length).Select(i => (ulong)i), sendWcs.Select(w => w.WrId));
        var statuses = sendWcs.Select(w => w.Status).ToList();
        if (sc.Error.Index is int e)
        {
            var expected = Enumerable.Repeat(WcStatus.Success, e).Append(sc.Error.Status!.Value)
                .Concat(Enumerable.Repeat(WcStatus.WrFlushErr, wrs.Length - e - 1));
            Assert.True(expected.SequenceEqual(statuses),
                $"client send completions for {sc}: [{string.Join(", ", statuses.Select(x => x.ToIbvName()))}]");
        }
        else
        {
            var successes = statuses.TakeWhile(x => x == WcStatus.Success).Count();
            Assert.True(statuses.Skip(successes).All(x => x == WcStatus.WrFlushErr),
                $"after a forced ERR the client completions must be successes then only flushes: [{string.Join(", ", statuses.Select(x => x.ToIbvName()))}]");
        }

        var recvWcs = clientWcs.Where(w => w.WrId > RecvWrIdBase).ToList();
        Assert.Equal(recvs.Select(r => r.WrId), recvWcs.Select(w => w.WrId));
        Assert.All(recvWcs, w => Assert.True(w.Status == WcStatus.WrFlushErr, $"client receive wr_id {w.WrId} completed {w.Status.ToIbvName()}"));

        // Posting to a QP in ERR is accepted and completes at once with a flush.
        ConnectedPair.Check(c.PostSend(WrOpcode.Send, 999, c.Sge(0, 8)), "post_send in ERR");
        ConnectedPair.Check(c.PostRecv(RecvWrIdBase + 999, c.Sge(0, 8)), "post_recv in ERR");
        var late = c.PollAll();
        Assert.Equal(new ulong[] { 999, RecvWrIdBase + 999 }, late.Select(w => w.WrId));
        Assert.All(late, w => Assert.True(w.Status == WcStatus.WrFlushErr, $"WR {w.WrId} posted in ERR completed {w.Status.ToIbvName()}"));

        // Nothing completes twice, however long the world runs on (stale retransmissions, CM teardown).
        pair.RunIdle(2_000_000_000);
        var serverWcs = polled.Server.Concat(s.PollAll()).ToList();
        if (sc.Error.Index is int failed)
        {
            // RC executes in order and nothing behind a failed WR reaches the responder: the server received exactly
            // the SENDs posted before it, each once.
            var sendsBefore = sc.Ops.Take(failed).Count(o => o.Opcode == WrOpcode.Send);
            var received = serverWcs.Where(w => w.Status == WcStatus.Success).Select(w => w.WrId).ToList();
            Assert.True(received.SequenceEqual(Enumerable.Range(5000, sendsBefore).Select(i => (ulong)i)),
                $"{sc}: server received [{string.Join(", ", received)}], expected the {sendsBefore} SEND(s) before the failed WR");
        }

        var extra = c.PollAll();
        Assert.True(extra.Count == 0, $"completions after everything was reported: {string.Join(", ", extra.Select(w => $"{w.WrId}:{w.Status.ToIbvName()}"))}");
        Assert.True(c.Qp.OutstandingSends == 0 && c.Qp.OutstandingRecvs == 0,
            $"client QP still holds {c.Qp.OutstandingSends} send and {c.Qp.OutstandingRecvs} receive WR(s)");
    }

    private static WrKind KindOf(WrOpcode op) => op switch
    {
        WrOpcode.RdmaRead => WrKind.RdmaRead,
        WrOpcode.RdmaWrite => WrKind.RdmaWrite,
        _ => WrKind.Send,
    };

    public sealed record Op(WrOpcode Opcode, int Length)
    {
        public override string ToString() => $"{Opcode.ToName()}/{Length}";
    }

    /// <summary>Either an injected error on WR <see cref="Index"/> or a forced ERR at <see cref="ForceAtOffsetNs"/> after the workload starts.</summary>
    public sealed record ErrorPoint(int? Index, WcStatus? Status, int? ForceAtOffsetNs)
    {
        public override string ToString() => Index is int i ? $"{Status!.Value.ToIbvName()} on WR {i + 1}" : $"forced ERR at +{ForceAtOffsetNs} ns";
    }

    public sealed record Scenario(Op[] Ops, int ClientRecvs, ErrorPoint Error, ulong Seed)
    {
        public override string ToString() => $"seed {Seed}, [{string.Join(" ", Ops.Select(o => o.ToString()))}], {ClientRecvs} client recvs, {Error}";
    }
}
