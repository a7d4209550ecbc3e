using Harness.Sim.Cm;
using Harness.Sim.Core;
using Harness.Tests.Properties.Support;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Sim;

/// <summary>
/// Every rdma_disconnect finishes with DISCONNECTED, whatever the peer does meanwhile, as the IB CM guarantees: DREQs
/// that cross are each taken as the other's answer, a DREQ for an id the peer already destroyed is still answered with
/// a DREP, and a DREQ that cannot get through times out. (Found by sweep seed 1719: a target that disconnected a qpair
/// while the host destroyed it never got DISCONNECTED and kept the qpair forever.)
/// </summary>
public sealed class CmDisconnectTests
{
    [Fact]
    public void Crossing_dreqs_give_both_sides_disconnected_then_timewait_exit()
    {
        using var bed = Connected(seed: 11);

        Assert.Equal(Errno.Ok, bed.ClientIds["conn-0"].Disconnect());
        Assert.Equal(Errno.Ok, bed.ServerIds["srv-conn-0"].Disconnect()); // before the client's DREQ arrives
        bed.PumpUntilQuiet(10_000_000);

        Assert.Equal(1, bed.ByContext["conn-0"].Count(e => e == CmEventType.Disconnected));
        Assert.Equal(1, bed.ByContext["srv-conn-0"].Count(e => e == CmEventType.Disconnected));
        Assert.Contains(CmEventType.TimewaitExit, bed.ByContext["conn-0"]);
        Assert.Contains(CmEventType.TimewaitExit, bed.ByContext["srv-conn-0"]);
    }

    [Fact]
    public void A_dreq_that_crosses_the_peers_destroy_still_ends_in_disconnected()
    {
        using var bed = Connected(seed: 12);

        Assert.Equal(Errno.Ok, bed.ServerIds["srv-conn-0"].Disconnect());
        Assert.Equal(Errno.Ok, bed.ClientIds["conn-0"].Destroy()); // sends its own DREQ; the server's arrives at a destroyed id
        bed.PumpUntilQuiet(10_000_000);

        Assert.Equal(1, bed.ByContext["srv-conn-0"].Count(e => e == CmEventType.Disconnected));
        Assert.Contains(CmEventType.TimewaitExit, bed.ByContext["srv-conn-0"]);
        Assert.Equal(CmIdState.Closed, ((SimCmId)bed.ServerIds["srv-conn-0"]).State);
    }

    [Fact]
    public void A_dreq_lost_to_a_down_port_times_out_into_disconnected_not_a_wait_forever()
    {
        using var bed = Connected(seed: 13);
        bed.Client.Host.Device.PortState = PortState.Down;

        Assert.Equal(Errno.Ok, bed.ServerIds["srv-conn-0"].Disconnect());
        bed.PumpUntilQuiet(SimCmId.DisconnectTimeoutNsMax / 2);
        Assert.DoesNotContain(CmEventType.Disconnected, bed.ByContext["srv-conn-0"]);
        Assert.DoesNotContain(CmEventType.Disconnected, bed.ByContext["conn-0"]); // the DREQ never arrived

        bed.PumpUntilQuiet(SimCmId.DisconnectTimeoutNsMax);
        Assert.Equal(1, bed.ByContext["srv-conn-0"].Count(e => e == CmEventType.Disconnected));
        Assert.Contains(CmEventType.TimewaitExit, bed.ByContext["srv-conn-0"]);
    }

    private static CmTestBed Connected(ulong seed)
    {
        var bed = new CmTestBed(new SimOptions { Seed = seed });
        bed.StartConnections(1);
        bed.Pump(() => bed.AllGot(new[] { "conn-0", "srv-conn-0" }, CmEventType.Established), what: "both sides ESTABLISHED");
        return bed;
    }
}
