using Harness.Sim.Tracing;
using Harness.Tests.Properties.Support;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>
/// Remote key, bounds and access checks: a violation at the responder completes the requester's WR with REM_ACCESS_ERR
/// and moves the requester QP to ERR; the responder QP goes to ERR too and its context gets QP_ACCESS_ERR (local access
/// violation work queue error). A bad local SGE is caught at the requester: LOC_PROT_ERR, and the peer is untouched.
/// </summary>
public sealed class AccessViolationTests
{
    public enum Violation
    {
        WrongRkey,
        RangePastMrEnd,
        RangeBeforeMrStart,
        WriteToMrWithoutRemoteWrite,
        ReadFromMrWithoutRemoteRead,
        DeregisteredMr,
        ReadOfDeregisteredMr,
        MrOfAnotherPd,
    }

    [Theory]
    [InlineData(Violation.WrongRkey)]
    [InlineData(Violation.RangePastMrEnd)]
    [InlineData(Violation.RangeBeforeMrStart)]
    [InlineData(Violation.WriteToMrWithoutRemoteWrite)]
    [InlineData(Violation.ReadFromMrWithoutRemoteRead)]
    [InlineData(Violation.DeregisteredMr)]
    [InlineData(Violation.ReadOfDeregisteredMr)]
    [InlineData(Violation.MrOfAnotherPd)]
    public void Remote_violation_is_rem_access_err_and_both_qps_go_to_err(Violation violation)
    {
        using var pair = ConnectedPair.Create();
        var c = pair.Client;
        var s = pair.Server;
        var op = WrOpcode.RdmaWrite;
        ulong addr = s.Buffer.Address + 4096;
        uint rkey;
        const int length = 64;
        var before = s.Buffer.Span.ToArray();
        c.Bytes(0, length).Fill(0x5A);
        switch (violation)
        {
            case Violation.WrongRkey:
                rkey = s.Mr.Rkey ^ 0x5500; // another index, same key byte: no such MR
                break;
            case Violation.RangePastMrEnd:
                addr = s.Buffer.Address + (ulong)s.Buffer.Length - (length / 2);
                rkey = s.Mr.Rkey;
                break;
            case Violation.RangeBeforeMrStart:
                rkey = Register(s, 8192, 4096, AccessFlags.LocalWrite | AccessFlags.RemoteWrite).Rkey;
                addr = s.Buffer.Address + 8192 - 1;
                break;
            case Violation.WriteToMrWithoutRemoteWrite:
                rkey = Register(s, 8192, 4096, AccessFlags.LocalWrite | AccessFlags.RemoteRead).Rkey;
                addr = s.Buffer.Address + 8192;
                break;
            case Violation.ReadFromMrWithoutRemoteRead:
                op = WrOpcode.RdmaRead;
                rkey = Register(s, 8192, 4096, AccessFlags.LocalWrite | AccessFlags.RemoteWrite).Rkey;
                addr = s.Buffer.Address + 8192;
                break;
            case Violation.DeregisteredMr or Violation.ReadOfDeregisteredMr:
                op = violation == Violation.ReadOfDeregisteredMr ? WrOpcode.RdmaRead : WrOpcode.RdmaWrite;
                var gone = Register(s, 8192, 4096, AccessFlags.LocalWrite | AccessFlags.RemoteWrite | AccessFlags.RemoteRead);
                rkey = gone.Rkey;
                addr = s.Buffer.Address + 8192;
                ConnectedPair.Check(gone.Dereg(), "dereg_mr");
                break;
            case Violation.MrOfAnotherPd:
                ConnectedPair.Check(s.Context.AllocPd(out var otherPd), "alloc_pd");
                ConnectedPair.Check(otherPd!.RegMr(s.Buffer, s.Buffer.Address + 8192, 4096, AccessFlags.LocalWrite | AccessFlags.RemoteWrite, out var foreign), "reg_mr");
                rkey = foreign!.Rkey;
                addr = s.Buffer.Address + 8192;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(violation));
        }

        ConnectedPair.Check(c.PostSend(op, 1, c.Sge(0, length), addr, rkey), "post_send");
        ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, 2, c.Sge(0, 8), s.Buffer.Address, s.Mr.Rkey), "post_send behind the bad WR");
        var wcs = pair.PollUntil((cl, _) => cl.Count == 2, what: "both client completions").Client;

        Assert.True(wcs[0].WrId == 1 && wcs[0].Status == WcStatus.RemAccessErr,
            $"{violation}: client WR {wcs[0].WrId} completed {wcs[0].Status.ToIbvName()}, expected IBV_WC_REM_ACCESS_ERR");
        Assert.True(wcs[1].WrId == 2 && wcs[1].Status == WcStatus.WrFlushErr,
            $"{violation}: the WR behind the error completed {wcs[1].Status.ToIbvName()}, expected IBV_WC_WR_FLUSH_ERR");
        Assert.True(c.Qp.State == QpState.Err, $"{violation}: requester (client) QP is {c.Qp.State.ToName()}, expected ERR");
        Assert.True(s.Qp.State == QpState.Err, $"{violation}: responder (server) QP is {s.Qp.State.ToName()}, expected ERR");

        var serverEvents = DrainAsync(s.Context);
        Assert.True(serverEvents.Count(e => e.EventType == AsyncEventType.QpAccessErr && e.Qp == s.Qp) == 1,
            $"{violation}: server async events [{string.Join(", ", serverEvents.Select(e => e.EventType.ToName()))}], expected one QP_ACCESS_ERR for its QP");
        var clientEvents = DrainAsync(c.Context);
        Assert.True(clientEvents.All(e => e.EventType != AsyncEventType.QpAccessErr),
            $"{violation}: the requester must not get QP_ACCESS_ERR, got [{string.Join(", ", clientEvents.Select(e => e.EventType.ToName()))}]");
        Assert.True(before.AsSpan().SequenceEqual(s.Buffer.Span), $"{violation}: the responder's memory changed");
    }

    public enum LocalViolation
    {
        WrongLkey,
        PastLocalMrEnd,
        ReadIntoMrWithoutLocalWrite,
        DeregisteredLocalMr,
        SendFromForeignPdMr,
    }

    [Theory]
    [InlineData(LocalViolation.WrongLkey, WrOpcode.Send)]
    [InlineData(LocalViolation.WrongLkey, WrOpcode.RdmaWrite)]
    [InlineData(LocalViolation.WrongLkey, WrOpcode.RdmaRead)]
    [InlineData(LocalViolation.PastLocalMrEnd, WrOpcode.RdmaWrite)]
    [InlineData(LocalViolation.ReadIntoMrWithoutLocalWrite, WrOpcode.RdmaRead)]
    [InlineData(LocalViolation.DeregisteredLocalMr, WrOpcode.Send)]
    [InlineData(LocalViolation.SendFromForeignPdMr, WrOpcode.Send)]
    public void Local_key_violation_is_loc_prot_err_and_the_responder_is_untouched(LocalViolation violation, WrOpcode op)
    {
        using var pair = ConnectedPair.Create();
        var c = pair.Client;
        var s = pair.Server;
        var local = c.Sge(0, 64);
        switch (violation)
        {
            case LocalViolation.WrongLkey:
                local.Lkey = c.Mr.Lkey ^ 0x5500;
                break;
            case LocalViolation.PastLocalMrEnd:
                local = c.Sge(c.Buffer.Length - 32, 32);
                local.Length = 64;
                break;
            case LocalViolation.ReadIntoMrWithoutLocalWrite:
                ConnectedPair.Check(c.Pd.RegMr(c.Buffer, c.Buffer.Address, 4096, AccessFlags.None, out var ro), "reg_mr");
                local.Lkey = ro!.Lkey;
                break;
            case LocalViolation.DeregisteredLocalMr:
                ConnectedPair.Check(c.Pd.RegMr(c.Buffer, c.Buffer.Address, 4096, AccessFlags.LocalWrite, out var gone), "reg_mr");
                local.Lkey = gone!.Lkey;
                ConnectedPair.Check(gone.Dereg(), "dereg_mr");
                break;
            case LocalViolation.SendFromForeignPdMr:
                ConnectedPair.Check(c.Context.AllocPd(out var otherPd), "alloc_pd");
                ConnectedPair.Check(otherPd!.RegMr(c.Buffer, c.Buffer.Address, 4096, AccessFlags.LocalWrite, out var foreign), "reg_mr");
                local.Lkey = foreign!.Lkey;
                break;
        }

        ConnectedPair.Check(s.PostRecv(10, s.Sge(0, 4096)), "server post_recv");
        ConnectedPair.Check(c.PostSend(op, 1, local, s.Buffer.Address + 8192, s.Mr.Rkey), "post_send");
        var wcs = pair.PollUntil((cl, _) => cl.Count == 1, what: "the client completion").Client;
        pair.RunIdle(50_000); // long enough for anything to reach the server, shorter than the CM teardown

        Assert.True(wcs[0].Status == WcStatus.LocProtErr, $"{violation}/{op.ToName()}: client completed {wcs[0].Status.ToIbvName()}, expected IBV_WC_LOC_PROT_ERR");
        Assert.True(c.Qp.State == QpState.Err, $"{violation}: requester QP is {c.Qp.State.ToName()}, expected ERR");
        Assert.True(s.Qp.State == QpState.Rts, $"{violation}: responder QP is {s.Qp.State.ToName()}, expected RTS (nothing reached it)");
        Assert.True(s.PollAll().Count == 0, $"{violation}: the server's receive was consumed");
        Assert.True(DrainAsync(s.Context).Count == 0, $"{violation}: the server got an async event");
        Assert.DoesNotContain(pair.Fabric.Trace.Records, r => r.Kind == TraceKind.Completion && r.Node == "server");
    }

    [Fact]
    public void Send_longer_than_the_receive_is_rem_inv_req_err_and_loc_len_err_at_the_responder()
    {
        using var pair = ConnectedPair.Create();
        var c = pair.Client;
        var s = pair.Server;
        ConnectedPair.Check(s.PostRecv(10, s.Sge(0, 64)), "server post_recv");
        ConnectedPair.Check(c.PostSend(WrOpcode.Send, 1, c.Sge(0, 128)), "post_send");
        var (cl, sv) = pair.PollUntil((cl, sv) => cl.Count == 1 && sv.Count == 1, what: "both completions");

        Assert.True(cl[0].Status == WcStatus.RemInvReqErr, $"client SEND of 128 bytes into a 64-byte receive completed {cl[0].Status.ToIbvName()}, expected IBV_WC_REM_INV_REQ_ERR");
        Assert.True(sv[0].WrId == 10 && sv[0].Status == WcStatus.LocLenErr, $"server receive completed {sv[0].Status.ToIbvName()}, expected IBV_WC_LOC_LEN_ERR");
        Assert.True(c.Qp.State == QpState.Err && s.Qp.State == QpState.Err, $"QPs are {c.Qp.State.ToName()} (client) / {s.Qp.State.ToName()} (server), expected ERR");
    }

    /// <summary>
    /// The CM does not watch QP states: a QP that enters ERR by itself sends no DREQ, so neither side sees DISCONNECTED
    /// until one of them calls rdma_disconnect (the transports do on an error completion); then both do, promptly.
    /// </summary>
    [Fact]
    public void Qp_error_alone_sends_no_dreq_and_rdma_disconnect_then_tears_the_connection_down()
    {
        const long quietNs = 1_000_000_000;
        using var pair = ConnectedPair.Create();
        var c = pair.Client;
        var s = pair.Server;
        ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, 1, c.Sge(0, 8), s.Buffer.Address, s.Mr.Rkey ^ 0x5500), "post_send");
        pair.PollUntil((cl, _) => cl.Count == 1, what: "the failed WRITE");
        pair.RunIdle(quietNs);
        Assert.True(c.Channel.GetEvent(out var ce) == Errno.EAGAIN, $"the client got {ce?.EventType.ToName()} with no rdma_disconnect");
        Assert.True(s.Channel.GetEvent(out var se) == Errno.EAGAIN, $"the server got {se?.EventType.ToName()} with no rdma_disconnect");

        ConnectedPair.Check(c.Id.Disconnect(), "rdma_disconnect");
        var t = pair.Fabric.World.NowNs;
        c.ExpectEvent(pair, CmEventType.Disconnected);
        s.ExpectEvent(pair, CmEventType.Disconnected);
        var bound = 4 * (pair.Fabric.Options.CmEventLatencyNs + pair.Fabric.Options.CmEventJitterNsMax + pair.Fabric.Options.LinkLatencyNs);
        Assert.True(pair.Fabric.World.NowNs - t <= bound, $"DISCONNECTED took {pair.Fabric.World.NowNs - t} ns after rdma_disconnect, bound {bound} ns");
        c.ExpectEvent(pair, CmEventType.TimewaitExit);
        s.ExpectEvent(pair, CmEventType.TimewaitExit);
    }

    private static IMemoryRegion Register(ConnectedPair.Side side, int offset, int length, AccessFlags access)
    {
        ConnectedPair.Check(side.Pd.RegMr(side.Buffer, side.Buffer.Address + (ulong)offset, (ulong)length, access, out var mr), "reg_mr");
        return mr!;
    }

    private static List<AsyncEvent> DrainAsync(IVerbsContext context)
    {
        var events = new List<AsyncEvent>();
        while (context.GetAsyncEvent(out var ev) == Errno.Ok)
        {
            events.Add(ev);
            context.AckAsyncEvent(ev);
        }

        return events;
    }
}
