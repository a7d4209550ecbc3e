using Harness.Sim.Cm;
using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;
using Harness.Transport.RdmaCm;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// All qpairs of a controller share one CM event channel: whichever thread drains it parks each event in its own
/// qpair's slot (or, when that is full, in the controller's pending list), and the owner consumes it from there.
/// The tests run each "thread" by hand (<see cref="ManualReactor"/>) to choose who polls when.
/// </summary>
public sealed class CmEventHandoverTests
{
    [Fact]
    public void A_cm_event_for_qpair_a_reaped_by_the_thread_of_qpair_b_reaches_a()
    {
        using var bed = new HostBed(manual: true);
        bed.StartController();
        var ctrl = bed.Controller;
        var a = ctrl.CreateIoQpair(bed.Groups[0]);
        var b = ctrl.CreateIoQpair(bed.Groups[1]);
        var threadA = (ManualReactor)bed.GroupReactors[0];
        var threadB = (ManualReactor)bed.GroupReactors[1];
        threadA.PollOnce();
        threadB.PollOnce();
        Assert.Equal(NvmeRdmaQpairState.Initializing, a.State);
        Assert.Equal(NvmeRdmaQpairState.Initializing, b.State);

        // Nobody polls until both ADDR_RESOLVED wait on the shared channel.
        var channel = (SimCmEventChannel)ctrl.Events.Channel;
        bed.RunUntil(() => channel.ReadyCount == 2, "both ADDR_RESOLVED on the shared channel", poll: () => { });
        var handedOver = ctrl.CmEventsHandedOver;

        threadB.PollOnce(); // B drains the channel: its own event it processes, A's it parks in A's slot
        Assert.Equal(CmEventType.AddrResolved, a.Evt?.EventType);
        Assert.Equal(0, a.CmEventsConsumed);
        Assert.Equal(1, b.CmEventsConsumed);
        Assert.Equal(handedOver + 1, ctrl.CmEventsHandedOver);
        Assert.Equal(0, channel.ReadyCount);

        threadA.PollOnce(); // A finds its event in its slot
        Assert.Null(a.Evt);
        Assert.Equal(1, a.CmEventsConsumed);
        Assert.Equal(NvmeRdmaQpairState.Initializing, a.State); // now waiting for ROUTE_RESOLVED

        bed.RunUntil(() => a.State == NvmeRdmaQpairState.Running && b.State == NvmeRdmaQpairState.Running, "both running");
        Assert.Equal(ctrl.CmEventsGot, ctrl.CmEventsAcked);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Theory]
    [InlineData(256)]
    [InlineData(0)]
    public void A_second_event_for_a_qpair_waits_in_the_pending_list_and_is_acked_when_the_qpair_is_destroyed(int pendingMax)
    {
        using var bed = new HostBed(options: HostBed.DefaultOptions() with { PendingCmEventsMax = pendingMax }, manual: true);
        bed.StartController();
        var ctrl = bed.Controller;
        var qpairs = bed.ConnectIoQpairs(2);
        var a = qpairs[0];
        var admin = (ManualReactor)bed.AdminReactor;

        // The target drops A's connection; only the admin thread polls: it parks DISCONNECTED in A's slot, and the
        // TIMEWAIT_EXIT that follows, finding the slot taken, in the pending list.
        bed.Target.Disconnect(qid: a.Qid);
        bed.RunUntil(() => a.Evt?.EventType == CmEventType.Disconnected, "DISCONNECTED parked in A's slot", poll: () => admin.PollOnce());
        // With no room in the bounded pending list the event is acked and dropped on the spot (SPDK: -ENOMEM).
        bed.RunUntil(() => ctrl.Events.PendingCount == 1 || ctrl.CmEventsDropped == 1, "TIMEWAIT_EXIT parked", poll: () => admin.PollOnce());
        Assert.Equal(pendingMax == 0 ? 1 : 0, ctrl.CmEventsDropped);
        Assert.Equal(CmEventType.Disconnected, a.Evt?.EventType);
        Assert.Equal(NvmeRdmaQpairState.Running, a.State);

        // A's thread consumes DISCONNECTED, fails the qpair and destroys it; the destroy acks the pending event.
        bed.RunUntil(() => a.State == NvmeRdmaQpairState.Exited, "A exited", poll: () => ((ManualReactor)bed.GroupReactors[0]).PollOnce());
        Assert.Equal(QpairFailureReason.Remote, a.FailureReason);
        Assert.Equal(0, ctrl.Events.PendingCount);
        Assert.Equal(ctrl.CmEventsGot, ctrl.CmEventsAcked);
        Assert.Equal(NvmeRdmaQpairState.Running, qpairs[1].State);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }
}
