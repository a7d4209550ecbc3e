using Harness.Transport.Host;
using Harness.Transport.Threading;
using Microsoft.Coyote.Random;
using Microsoft.Coyote.Runtime;

namespace Harness.Tests.Systematic.Coyote;

/// <summary>
/// The host's preemption hook (<see cref="IHostInterleaving"/>) and the transport's meeting points
/// (<see cref="IMeetingPoints"/>) as Coyote scheduling points: at the destroy's event sweep, between a connect's
/// rdma_resolve_addr and its wait for ADDR_RESOLVED, at the controller lock, the shared CM channel, a poll group's CQ,
/// the iobuf pools, Coyote may run any other thread, as a real CPU may. Outside a Coyote test it does nothing.
/// </summary>
/// <param name="epoch">The race's progress epoch (null: a scheduling point only).</param>
/// <param name="nowNs">The race's virtual clock (null: no preemption longer than one scheduling point).</param>
/// <param name="racing">True while the race's threads run (setup and teardown are single-threaded: nothing to preempt for).</param>
/// <param name="raceThreads">How many threads the race has (the preempted one among them), or null.</param>
public sealed class CoyoteInterleaving(ProgressEpoch? epoch, Func<long>? nowNs, Func<bool>? racing, int? raceThreads = null) : IHostInterleaving, IMeetingPoints
{
    /// <summary>
    /// How long a thread may stay off the CPU at a preemption point (virtual time): longer than a CM event takes to
    /// reach the shared channel (address resolution, a disconnect's TIMEWAIT_EXIT, then the CM's event latency), as a
    /// preempted thread on a loaded host is. The same preemption as tests/Properties' StaleReconnectLockTests.
    /// </summary>
    public const long PreemptionNs = 1_000_000;

    /// <summary>
    /// Yields a preempted thread makes at most: when the rest of the world is quiescent virtual time stops (nothing is
    /// scheduled and the idle clock's budget is spent), and the preemption ends there instead of spinning.
    /// </summary>
    public const int PreemptionYieldsMax = 400;

    /// <summary>The hook without a race: a scheduling point only.</summary>
    public static CoyoteInterleaving Instance { get; } = new(null, null, null);

    /// <summary>
    /// The host's preemption points. After rdma_resolve_addr (the window of docs/findings/010) and after the destroy's
    /// event sweep (the window of SPDK #3347) Coyote chooses whether the thread is preempted for a while
    /// (<see cref="Preempt"/>); at the others it is one scheduling point, with the sleeping pollers woken first
    /// (SPDK's pollers spin: any of them could run here).
    /// </summary>
    public void At(HostInterleavingPoint point, NvmeRdmaQpair qpair)
    {
        if (racing?.Invoke() != true)
        {
            ScheduleSteps.MeetingPoint();
            return;
        }

        if (point is HostInterleavingPoint.ConnectAfterResolveAddr or HostInterleavingPoint.QpairDestroyAfterEventSweep)
        {
            Preempt();
            return;
        }

        epoch?.Progress();
        ScheduleSteps.MeetingPoint();
    }

    /// <summary>A place where real threads meet (<see cref="MeetingPoint"/>): one scheduling point, the only kind a race has besides blocking.</summary>
    public void At(MeetingPoint point) => ScheduleSteps.MeetingPoint();

    /// <summary>
    /// Every other race thread waits for progress: nothing can happen until this one acts, so the rest of the
    /// preemption would be scheduling points with nobody else to run. (A thread blocked elsewhere, e.g. in
    /// rdma_destroy_id, is not asleep here: the preemption then runs to its bound, as before.)
    /// </summary>
    private bool OthersAsleep() => raceThreads is { } threads && epoch!.Sleeping >= threads - 1;

    /// <summary>
    /// Coyote chooses whether the thread is preempted here. If it is, the thread wakes the race's sleeping threads (the
    /// NIC and the other CPUs go on without it) and stays off the CPU until <see cref="PreemptionNs"/> of virtual time
    /// passed or the rest of the world is quiescent: a CM event on its way reaches the shared channel meanwhile, and
    /// whichever thread drains the channel then finds it.
    /// </summary>
    private void Preempt()
    {
        ScheduleSteps.CheckNoGateHeld();
        if (epoch == null || nowNs == null || !Generator.Create().NextBoolean())
        {
            epoch?.Progress();
            ScheduleSteps.MeetingPoint();
            return;
        }

        var until = nowNs() + PreemptionNs;
        epoch.Progress();
        for (var i = 0; i < PreemptionYieldsMax && nowNs() < until && !epoch.Stopped && !OthersAsleep(); i++)
        {
            SchedulingPoint.Yield(); // off the CPU: let the others run (priority strategies must not starve them)
        }
    }
}
