using Harness.Sim.Oracle;
using Harness.Sim.Reactors;
using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Invariants;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// Goal: bounded-liveness holds: a qpair being closed is destroyed within <see cref="DrainLiveness.DrainedPollsMax"/>
/// polls once its QP holds nothing more (every completion polled, every event acked, nothing executing). The broken
/// transport is a mutation made here: the test takes IBV_EVENT_QP_LAST_WQE_REACHED off the target's device before the
/// transport sees it (a transport that drops the event), so the SRQ qpair waits for an event that will never come;
/// without the mutation the same qpair is destroyed.
/// </summary>
public sealed class BoundedLivenessTests
{
    [Fact]
    public void A_drained_qpair_that_waits_for_an_event_already_consumed_is_reported()
    {
        using var bed = SrqBed();
        var qpair = bed.ConnectIoQpair();

        qpair.Disconnect(); // asked from the test's thread: it runs on the qpair's thread, by message
        bed.RunUntil(() => qpair.ToClose, "the disconnect ran"); // rdma_disconnect: QP to ERR, LAST_WQE_REACHED raised at once
        var stolen = StealAsyncEvents(qpair.Poller!.Context);
        Assert.Contains(AsyncEventType.QpLastWqeReached, stolen);

        // Nothing wakes the idle poll group but the simulator's safety net: the oracle counts those polls.
        var violation = Assert.Throws<InvariantViolationException>(() => bed.RunFor((DrainLiveness.DrainedPollsMax + 2) * SimReactorRuntime.SafetyWakeNsMax));
        Assert.Equal(InvariantNames.BoundedLiveness, violation.Invariant);
        Assert.Contains($"{qpair}: closing, and its QP has held nothing for {DrainLiveness.DrainedPollsMax + 1} polls", violation.Detail, StringComparison.Ordinal);
        Assert.Contains("last_wqe_reached False", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_qpair_is_destroyed_within_the_bound_when_the_transport_sees_the_event()
    {
        using var bed = SrqBed();
        var qpair = bed.ConnectIoQpair();
        var poller = qpair.Poller!;
        var before = poller.Polls;

        qpair.Disconnect();
        bed.RunUntil(() => qpair.Destroyed, "the qpair is destroyed");

        Assert.True(poller.Polls - before <= DrainLiveness.DrainedPollsMax, $"destroyed after {poller.Polls - before} polls");
    }

    private static List<AsyncEventType> StealAsyncEvents(IVerbsContext context)
    {
        var got = new List<AsyncEventType>();
        while (context.GetAsyncEvent(out var ev) == Errno.Ok)
        {
            got.Add(ev.EventType);
            context.AckAsyncEvent(ev);
        }

        return got;
    }

    private static TargetBed SrqBed() => new(TargetBed.SrqOptions());
}
