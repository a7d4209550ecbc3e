using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Sim.Tracing;
using Harness.Tests.Properties.Support;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>
/// RC retry counters, configured the way applications do it (the rdma_conn_param of connect/accept): a SEND that meets
/// no receive is RNR-NAKed and retried after the responder's min RNR timer, rnr_retry times (7 = forever), then
/// completes RNR_RETRY_EXC_ERR; a WR whose packets are lost is retransmitted after each ACK timeout, retry_cnt times,
/// then completes RETRY_EXC_ERR. As in the IB CM, retry_cnt comes from the connect (REQ) for both QPs, and each QP's
/// rnr_retry is the value its <em>peer</em> put in its conn_param (REQ → passive QP, REP → active QP).
/// </summary>
public sealed class RetryExhaustionTests
{
    private const long ToleranceNs = 5_000;

    public enum Sender
    {
        Client,
        Server,
    }

    [HarnessProperty(MaxTest = 60)]
    public Property Rnr_retry_exceeded_after_exactly_rnr_retry_retries_at_the_expected_time()
    {
        var gen =
            from rnrRetry in Gen.Choose(0, 6)
            from other in Gen.Choose(0, 7)
            from sender in Gen.Elements(Sender.Client, Sender.Server)
            from minRnrTimer in Gen.Elements((byte)1, (byte)5, (byte)12, (byte)14)
            from seed in Gen.Choose(1, 100_000)
            select (rnrRetry, other, sender, minRnrTimer, seed);
        return Prop.ForAll(Arb.From(gen), c => CheckRnr(c.rnrRetry, c.other, c.sender, c.minRnrTimer, (ulong)c.seed));
    }

    [Theory]
    [InlineData(0, Sender.Client)]
    [InlineData(6, Sender.Server)]
    public void Rnr_retry_exceeded_edge_counts(int rnrRetry, Sender sender) => CheckRnr(rnrRetry, 7, sender, 12, 3);

    [Fact]
    public void Rnr_retry_7_retries_forever_and_the_send_lands_once_a_receive_is_posted()
    {
        using var pair = ConnectedPair.Create(
            new SimOptions { TraceRecordsInMemory = 100_000 },
            clientParam: new ConnParam { InitiatorDepth = 4, ResponderResources = 4, RetryCount = 7, RnrRetryCount = 3 },
            serverParam: new ConnParam { InitiatorDepth = 4, ResponderResources = 4, RnrRetryCount = 7 });
        var c = pair.Client;
        var s = pair.Server;
        Assert.True(c.Qp.Attributes.RnrRetry == 7, $"client QP rnr_retry is {c.Qp.Attributes.RnrRetry}, the accept asked for 7");

        c.Bytes(0, 16).Fill(0x77);
        ConnectedPair.Check(c.PostSend(WrOpcode.Send, 1, c.Sge(0, 16)), "post_send");
        var waited = 0L;
        while (waited < 100_000_000)
        {
            pair.Fabric.Run(pair.Fabric.World.NowNs + 10_000_000);
            waited += 10_000_000;
            Assert.True(c.PollAll().Count == 0, $"the SEND completed after {waited} ns although rnr_retry is 7 (infinite)");
        }

        var rnrs = pair.Fabric.Trace.Records.Count(r => r.Kind == TraceKind.Retry && r.Op == "rnr" && r.Qp == c.Qp.QpNum);
        Assert.True(rnrs > 100, $"only {rnrs} RNR retries in 100 ms with a 0.64 ms RNR timer");

        ConnectedPair.Check(s.PostRecv(2, s.Sge(0, 64)), "server post_recv");
        var (cl, sv) = pair.PollUntil((cl, sv) => cl.Count == 1 && sv.Count == 1, what: "the SEND and its receive");
        Assert.True(cl[0].Status == WcStatus.Success, $"client SEND completed {cl[0].Status.ToIbvName()}");
        Assert.True(sv[0].Status == WcStatus.Success && sv[0].ByteLen == 16, $"server receive completed {sv[0].Status.ToIbvName()} with {sv[0].ByteLen} bytes");
        Assert.True(s.Bytes(0, 16).ToArray().All(b => b == 0x77), "the SEND's payload did not land in the receive buffer");
    }

    public enum LossKind
    {
        PacketDrops,
        InjectedRetryExceeded,
    }

    [HarnessProperty(MaxTest = 60)]
    public Property Lost_packets_are_retransmitted_retry_cnt_times_then_retry_exc_err()
    {
        var gen =
            from retryCnt in Gen.Choose(0, 7)
            from drops in Gen.Choose(0, 10)
            from op in Gen.Elements(WrOpcode.Send, WrOpcode.RdmaWrite, WrOpcode.RdmaRead)
            from timeout in Gen.Elements((byte)4, (byte)10, (byte)14)
            from kind in Gen.Frequency((4, Gen.Constant(LossKind.PacketDrops)), (1, Gen.Constant(LossKind.InjectedRetryExceeded)))
            from seed in Gen.Choose(1, 100_000)
            select (retryCnt, drops, op, timeout, kind, seed);
        return Prop.ForAll(Arb.From(gen), c => CheckLoss(c.retryCnt, c.drops, c.op, c.timeout, c.kind, (ulong)c.seed));
    }

    [Theory]
    [InlineData(0, 1, WrOpcode.RdmaWrite)]
    [InlineData(7, 8, WrOpcode.Send)]
    [InlineData(7, 7, WrOpcode.RdmaRead)]
    [InlineData(3, 3, WrOpcode.Send)]
    public void Loss_edge_counts(int retryCnt, int drops, WrOpcode op) => CheckLoss(retryCnt, drops, op, 14, LossKind.PacketDrops, 5);

    private static void CheckRnr(int rnrRetry, int other, Sender sender, byte minRnrTimer, ulong seed)
    {
        // The sender's rnr_retry is what the other side put in its conn_param.
        var clientRnr = (byte)(sender == Sender.Server ? rnrRetry : other);
        var serverRnr = (byte)(sender == Sender.Client ? rnrRetry : other);
        using var pair = ConnectedPair.Create(
            new SimOptions { Seed = seed, DefaultMinRnrTimer = minRnrTimer, TraceRecordsInMemory = 100_000 },
            clientParam: new ConnParam { InitiatorDepth = 4, ResponderResources = 4, RetryCount = 7, RnrRetryCount = clientRnr },
            serverParam: new ConnParam { InitiatorDepth = 4, ResponderResources = 4, RnrRetryCount = serverRnr });
        var (requester, responder) = sender == Sender.Client ? (pair.Client, pair.Server) : (pair.Server, pair.Client);
        Assert.True(pair.Server.Qp.Attributes.RnrRetry == clientRnr,
            $"server QP rnr_retry is {pair.Server.Qp.Attributes.RnrRetry}; the connect (REQ) asked for {clientRnr}");
        Assert.True(pair.Client.Qp.Attributes.RnrRetry == serverRnr,
            $"client QP rnr_retry is {pair.Client.Qp.Attributes.RnrRetry}; the accept (REP) asked for {serverRnr}");

        var t0 = pair.Fabric.World.NowNs;
        ConnectedPair.Check(requester.PostSend(WrOpcode.Send, 42, requester.Sge(0, 32)), "post_send");
        var wcs = pair.PollUntil((cl, sv) => (sender == Sender.Client ? cl : sv).Count > 0, what: "the SEND's completion");
        var wc = (sender == Sender.Client ? wcs.Client : wcs.Server)[0];
        Assert.True(wc.Status == WcStatus.RnrRetryExcErr, $"{sender} SEND with rnr_retry {rnrRetry} completed {wc.Status.ToIbvName()}");
        Assert.True(requester.Qp.State == QpState.Err, $"{sender} QP is {requester.Qp.State.ToName()} after RNR retry exceeded");

        var records = pair.Fabric.Trace.Records;
        var retries = records.Where(r => r.Kind == TraceKind.Retry && r.Op == "rnr" && r.Qp == requester.Qp.QpNum).ToList();
        Assert.True(retries.Count == rnrRetry, $"{sender} QP: {retries.Count} RNR retries traced, rnr_retry is {rnrRetry}");
        Assert.Equal(Enumerable.Range(1, rnrRetry).Select(i => (long)i), retries.Select(r => r.Arg));

        // Each round: request on the wire (latency), RNR NAK back (latency), wait the responder's RNR timer.
        var latency = pair.Fabric.Options.LinkLatencyNs;
        var expected = t0 + (2 * latency) + (rnrRetry * ((2 * latency) + RnrTimerNs(minRnrTimer)));
        var at = records.Single(r => r.Kind == TraceKind.Completion && r.Qp == requester.Qp.QpNum && r.WrId == 42).TimeNs;
        Assert.True(Math.Abs(at - expected) <= ToleranceNs,
            $"RNR_RETRY_EXC_ERR at {at - t0} ns after posting, expected {expected - t0} ns (rnr_retry {rnrRetry}, timer code {minRnrTimer})");
        Assert.True(responder.PollAll().Count == 0, "the responder reported a completion for a SEND it never accepted");
    }

    private static void CheckLoss(int retryCnt, int drops, WrOpcode op, byte timeout, LossKind kind, ulong seed)
    {
        var target = new QpSelector("client", 0);
        var wrKind = op switch { WrOpcode.RdmaRead => WrKind.RdmaRead, WrOpcode.RdmaWrite => WrKind.RdmaWrite, _ => WrKind.Send };
        var fault = kind == LossKind.PacketDrops
            ? (ScriptedFault)new PacketDropFault(target, wrKind, 1, drops)
            : new WcErrorFault(target, wrKind, 1, WcStatus.RetryExcErr);
        var effectiveDrops = kind == LossKind.PacketDrops ? drops : retryCnt + 1;
        using var pair = ConnectedPair.Create(
            new SimOptions { Seed = seed, DefaultAckTimeoutExponent = timeout, Faults = FaultPlan.Of(fault), TraceRecordsInMemory = 100_000 },
            clientParam: new ConnParam { InitiatorDepth = 4, ResponderResources = 4, RetryCount = (byte)retryCnt, RnrRetryCount = 7 });
        var c = pair.Client;
        var s = pair.Server;
        Assert.True(c.Qp.Attributes.RetryCnt == retryCnt && s.Qp.Attributes.RetryCnt == retryCnt,
            $"retry_cnt is {c.Qp.Attributes.RetryCnt} (client) / {s.Qp.Attributes.RetryCnt} (server); the connect asked for {retryCnt}");
        Assert.True(c.Qp.Attributes.Timeout == timeout, $"client QP ACK timeout exponent {c.Qp.Attributes.Timeout}, expected {timeout}");

        ConnectedPair.Check(s.PostRecv(9, s.Sge(0, 4096)), "server post_recv");
        var t0 = pair.Fabric.World.NowNs;
        ConnectedPair.Check(c.PostSend(op, 42, c.Sge(0, 256), s.Buffer.Address + 4096, s.Mr.Rkey), "post_send");
        var wc = pair.PollUntil((cl, _) => cl.Count > 0, what: "the WR's completion").Client[0];

        var records = pair.Fabric.Trace.Records;
        var retransmits = records.Where(r => r.Kind == TraceKind.Retry && r.Op == "retransmit" && r.Qp == c.Qp.QpNum).ToList();
        var at = records.Single(r => r.Kind == TraceKind.Completion && r.Qp == c.Qp.QpNum && r.WrId == 42).TimeNs;
        var ackTimeout = 4096L << timeout;
        var what = $"{op.ToName()} with retry_cnt {retryCnt}, {effectiveDrops} lost transmission(s) ({kind})";
        if (effectiveDrops > retryCnt)
        {
            Assert.True(wc.Status == WcStatus.RetryExcErr, $"{what}: completed {wc.Status.ToIbvName()}, expected IBV_WC_RETRY_EXC_ERR");
            Assert.True(retransmits.Count == retryCnt, $"{what}: {retransmits.Count} retransmissions traced, expected exactly {retryCnt}");
            var expected = t0 + ((retryCnt + 1) * ackTimeout);
            Assert.True(Math.Abs(at - expected) <= ToleranceNs, $"{what}: RETRY_EXC_ERR at +{at - t0} ns, expected ≈ (retry_cnt+1)·ACK timeout = {expected - t0} ns");
            Assert.True(c.Qp.State == QpState.Err, $"{what}: client QP is {c.Qp.State.ToName()}");
        }
        else
        {
            Assert.True(wc.Status == WcStatus.Success, $"{what}: completed {wc.Status.ToIbvName()}, expected success");
            Assert.True(retransmits.Count == effectiveDrops, $"{what}: {retransmits.Count} retransmissions traced, expected {effectiveDrops}");
            var expected = t0 + (effectiveDrops * ackTimeout) + (2 * pair.Fabric.Options.LinkLatencyNs);
            Assert.True(Math.Abs(at - expected) <= ToleranceNs, $"{what}: completed at +{at - t0} ns, expected ≈ {expected - t0} ns");
            Assert.True(c.Qp.State == QpState.Rts, $"{what}: client QP is {c.Qp.State.ToName()}");
        }

        Assert.Equal(Enumerable.Range(1, retransmits.Count).Select(i => (long)i), retransmits.Select(r => r.Arg));
    }

    /// <summary>IB "minimum RNR NAK timer" encoding (IBA table 45), in nanoseconds, for the codes the tests use.</summary>
    private static long RnrTimerNs(byte code) => code switch
    {
        1 => 10_000,
        5 => 60_000,
        12 => 640_000,
        14 => 1_280_000,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "add the code's value from the IB spec"),
    };
}
