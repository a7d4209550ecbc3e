using Harness.Sim.Faults;
using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// Goal: a device removal raises IBV_EVENT_DEVICE_FATAL and RDMA_CM_EVENT_DEVICE_REMOVAL in the order and with the gap
/// the fault says (<see cref="DeviceRemovalOrder"/>), and in every order the transport on that side destroys every
/// qpair; a removed host fails its qpair; the host deletes without leaving a QP behind.
/// </summary>
public sealed class DeviceRemovalOrderTests
{
    private const long RemovalAtNs = 20_000_000;
    private const long GapNs = 5_000_000;

    [Theory]
    [InlineData("target", DeviceRemovalOrder.FatalFirst, 0)]
    [InlineData("target", DeviceRemovalOrder.FatalFirst, GapNs)]
    [InlineData("target", DeviceRemovalOrder.RemovalFirst, 0)]
    [InlineData("target", DeviceRemovalOrder.RemovalFirst, GapNs)]
    [InlineData("host", DeviceRemovalOrder.FatalFirst, GapNs)]
    [InlineData("host", DeviceRemovalOrder.RemovalFirst, GapNs)]
    public void Both_events_come_in_the_drawn_order_and_every_qpair_is_destroyed(string side, DeviceRemovalOrder order, long gapNs)
    {
        var fault = new DeviceRemovalFault(side, RemovalAtNs, order, gapNs);
        using var bed = new TargetStackBed(seed: 5, groups: 1, faults: FaultPlan.Of(fault));
        var device = bed.Fabric.Hosts.Single(h => h.HostName == side).Device;
        bed.Controller.Start();
        bed.RunUntil(() => bed.Controller.State == ControllerState.Ready, "controller ready");
        var qpair = bed.Controller.CreateIoQpair(bed.Groups[0], 8);
        bed.RunUntil(() => qpair.State == NvmeRdmaQpairState.Running, "I/O qpair running");
        Assert.True(bed.Fabric.World.NowNs < RemovalAtNs, $"connected only at {bed.Fabric.World.NowNs} ns");

        bed.RunUntil(() => device.RemovalStarted, "the removal starts");
        Assert.Equal(order == DeviceRemovalOrder.FatalFirst || gapNs == 0, device.Removed);
        if (gapNs > 0)
        {
            bed.RunUntil(() => bed.Fabric.World.NowNs >= RemovalAtNs + (gapNs / 2), "half the gap");
            Assert.Equal(order == DeviceRemovalOrder.FatalFirst, device.Removed);
        }

        bed.RunUntil(() => device.Removed, "DEVICE_FATAL");
        Assert.Empty(bed.Fabric.Faults.NeverFired());
        bed.RunUntil(() => bed.Transport.Qpairs.All(q => q.Destroyed), "every target qpair destroyed");
        if (side == "host")
        {
            bed.RunUntil(() => qpair.State == NvmeRdmaQpairState.Exited, "the host's I/O qpair failed");
        }

        // A removed target's host learns of it only from traffic (a DREQ sent in a removal-first gap, or its own WRs
        // failing): deleting the controller must still leave nothing behind.
        bed.DeleteAll();
        Assert.All(bed.HostMachine.AllQps, qp => Assert.True(qp.Destroyed, $"host {qp} not destroyed"));
    }
}
