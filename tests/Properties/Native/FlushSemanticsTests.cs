using Harness.Sim.Core;
using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Native;

/// <summary>
/// Flush semantics as rdma-core documents them, asserted for the simulator (the native backend passes completions
/// through unchanged, so on hardware the NIC itself provides them). The sources, quoted from the installed man pages:
/// <list type="bullet">
/// <item>rdma_disconnect(3): "Disconnects a connection and transitions any associated QP to the error state, which
/// will flush any posted work requests to the completion queue."</item>
/// <item>ibv_poll_cq(3): "If the completion status is other than IBV_WC_SUCCESS, only the following attributes are
/// valid: wr_id, status, qp_num, and vendor_err."</item>
/// <item>ibv_get_async_event(3): "IBV_EVENT_QP_FATAL: Error occurred on a QP and it transitioned to error state".</item>
/// </list>
/// The IB specification (o10-2.2.x, "Error" state) adds what the nightly faults rely on: in ERR every outstanding and
/// every newly posted WR completes with a flush error, each exactly once, in order within its queue. The numbers the
/// simulator reports are the header's own (checked against the compiled ABI program).
/// </summary>
public sealed class FlushSemanticsTests
{
    private const int Sends = 6;
    private const int Recvs = 4;

    [Fact]
    public void Modify_to_err_flushes_every_outstanding_wr_once_in_queue_order()
    {
        using var pair = Stuck(out var c);
        Assert.Equal(Errno.Ok, c.Qp.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State)); // the nightly's "modify_qp to ERR mid-transfer"
        var wcs = pair.PollUntil((cl, _) => cl.Count >= Sends + Recvs, what: "flush completions").Client;
        AssertFlushed(wcs, c.Qp.QpNum);
    }

    [Fact]
    public void Rdma_disconnect_flushes_every_outstanding_wr_once_in_queue_order()
    {
        using var pair = Stuck(out var c);
        Assert.Equal(Errno.Ok, c.Id.Disconnect());
        var wcs = pair.PollUntil((cl, _) => cl.Count >= Sends + Recvs, what: "flush completions").Client;
        AssertFlushed(wcs, c.Qp.QpNum);
        Assert.Equal(QpState.Err, c.Qp.State);
    }

    [Fact]
    public void A_wr_posted_in_err_completes_with_a_flush_error()
    {
        using var pair = Stuck(out var c);
        Assert.Equal(Errno.Ok, c.Qp.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State));
        pair.PollUntil((cl, _) => cl.Count >= Sends + Recvs, what: "flush completions");
        Assert.Equal(Errno.Ok, c.PostSend(WrOpcode.RdmaWrite, 999, c.Sge(0, 64), pair.Server.Buffer.Address, pair.Server.Mr.Rkey));
        var late = pair.PollUntil((cl, _) => cl.Count >= 1, what: "the late WR's completion").Client;
        Assert.Equal((999UL, WcStatus.WrFlushErr), (late[0].WrId, late[0].Status));
    }

    [Fact]
    public void The_numbers_the_simulator_reports_are_the_headers()
    {
        var abi = AbiProgram.Instance;
        Assert.Equal((long)WcStatus.WrFlushErr, abi.Value(AbiProgram.ConstantKey("IBV_WC_WR_FLUSH_ERR")));
        Assert.Equal((long)QpState.Err, abi.Value(AbiProgram.ConstantKey("IBV_QPS_ERR")));
        Assert.Equal((long)WcOpcode.Recv, abi.Value(AbiProgram.ConstantKey("IBV_WC_RECV")));
        Assert.Equal((long)AsyncEventType.QpLastWqeReached, abi.Value(AbiProgram.ConstantKey("IBV_EVENT_QP_LAST_WQE_REACHED")));
    }

    /// <summary>A connected pair whose client has SENDs stuck in RNR (the server posts no receives; rnr_retry 7 retries forever) and receives nobody fills.</summary>
    private static ConnectedPair Stuck(out ConnectedPair.Side client)
    {
        var pair = ConnectedPair.Create(new SimOptions { Seed = 7 });
        var c = pair.Client;
        for (var i = 0; i < Sends; i++)
        {
            Assert.Equal(Errno.Ok, c.PostSend(WrOpcode.Send, 100 + (ulong)i, c.Sge(i * 64, 64)));
        }

        for (var j = 0; j < Recvs; j++)
        {
            Assert.Equal(Errno.Ok, c.PostRecv(200 + (ulong)j, c.Sge(4096 + (j * 64), 64)));
        }

        pair.AdvanceTo(pair.Fabric.World.NowNs + 5_000_000);
        Assert.Empty(c.PollAll()); // all outstanding
        client = c;
        return pair;
    }

    private static void AssertFlushed(List<WorkCompletion> wcs, uint qpNum)
    {
        Assert.Equal(Sends + Recvs, wcs.Count);
        Assert.All(wcs, wc => Assert.Equal(WcStatus.WrFlushErr, wc.Status));
        Assert.All(wcs, wc => Assert.Equal(qpNum, wc.QpNum)); // valid on an error completion
        Assert.Equal(Enumerable.Range(100, Sends).Select(i => (ulong)i), wcs.Where(w => w.WrId < 200).Select(w => w.WrId));
        Assert.Equal(Enumerable.Range(200, Recvs).Select(i => (ulong)i), wcs.Where(w => w.WrId >= 200).Select(w => w.WrId));
    }
}
