using Harness.Sim.Core;
using Harness.Tests.Properties.Support;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Sim;

/// <summary>
/// A connect the active side abandons half-way must not leave the passive side waiting forever for an RTU: as the IB
/// CM does, a destroyed id in REQ_SENT sends a REJ, and a REP that arrives after rdma_disconnect (the QP is in ERR and
/// cannot go to RTR) is rejected. The passive side then gets REJECTED and its QP goes to ERR, so a target's posted
/// receives flush and it can destroy the qpair. (Found by <c>harness run --faults disconnects --seed 19</c>: a target
/// qpair stuck in Connecting.)
/// </summary>
public sealed class CmAbandonedConnectTests
{
    [Fact]
    public void Destroying_a_connecting_id_after_the_peer_accepted_rejects_the_peer_and_errors_its_qp()
    {
        using var bed = new CmTestBed(new SimOptions { Seed = 4 });
        bed.StartConnections(1);
        bed.Pump(() => bed.ByContext.TryGetValue("srv-conn-0", out var got) && got.Contains(CmEventType.ConnectRequest),
            what: "the server accepted the connect request");

        Assert.Equal(Errno.Ok, bed.ClientIds["conn-0"].Destroy()); // the REP is still on its way
        bed.Pump(() => bed.AllGot(new[] { "srv-conn-0" }, CmEventType.Rejected), what: "REJECTED on the server");
        bed.PumpUntilQuiet(10_000_000);

        var rejected = bed.ServerOrder.Single(e => e.EventType == CmEventType.Rejected);
        Assert.True(rejected.Status == CmRejectReason.Timeout, $"REJECTED status {rejected.Status}, expected 4 (IB_CM_REJ_TIMEOUT)");
        Assert.Equal(QpState.Err, bed.ServerIds["srv-conn-0"].Qp!.State);
        Assert.DoesNotContain(CmEventType.Established, bed.ByContext["srv-conn-0"]);
        Assert.Equal(new[] { CmEventType.AddrResolved, CmEventType.RouteResolved }, bed.ByContext["conn-0"]);
    }

    [Fact]
    public void A_rep_after_rdma_disconnect_is_rejected_the_active_side_gets_connect_error_the_passive_side_rejected()
    {
        using var bed = new CmTestBed(new SimOptions { Seed = 6 });
        bed.StartConnections(1);
        bed.Pump(() => bed.ByContext["conn-0"].Contains(CmEventType.RouteResolved), what: "the client connected (REQ sent)");

        var client = bed.ClientIds["conn-0"];
        Assert.Equal(Errno.Ok, client.Disconnect()); // before the REP: the QP goes to ERR, no DREQ can be sent yet
        Assert.Equal(QpState.Err, client.Qp!.State);
        bed.Pump(() => bed.AllGot(new[] { "conn-0" }, CmEventType.ConnectError) && bed.AllGot(new[] { "srv-conn-0" }, CmEventType.Rejected),
            what: "CONNECT_ERROR on the client and REJECTED on the server");
        bed.PumpUntilQuiet(10_000_000);

        Assert.Equal(new[] { CmEventType.AddrResolved, CmEventType.RouteResolved, CmEventType.ConnectError }, bed.ByContext["conn-0"]);
        Assert.Equal(new[] { CmEventType.ConnectRequest, CmEventType.Rejected }, bed.ByContext["srv-conn-0"]);
        Assert.Equal(QpState.Err, bed.ServerIds["srv-conn-0"].Qp!.State);
        Assert.Equal(Errno.Ok, client.Destroy());
        Assert.Equal(Errno.Ok, bed.ServerIds["srv-conn-0"].Destroy());
    }
}
