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
public sealed class CoyoteInterleaving(ProgressEpoch? epoch, Func<long>? nowNs, Func<bool>? racing) : IHostInterleaving, IMeetingPoints
{
    /// <summary>
    /// How long a connect may stay off the CPU after rdma_resolve_addr (virtual time): longer than ADDR_RESOLVED takes
    /// to reach the shared channel (address resolution, then the CM's event latency), as a preempted thread on a loaded
    /// host is. The same preemption as tests/Properties' StaleReconnectLockTests.
    /// </summary>
    public const long ConnectPreemptionNs = 1_000_000;

    /// <summary>The hook without a race: a scheduling point only.</summary>
    public static CoyoteInterleaving Instance { get; } = new(null, null, null);

    public void At(HostInterleavingPoint point, NvmeRdmaQpair qpair)
    {
        if (point == HostInterleavingPoint.ConnectAfterResolveAddr && racing?.Invoke() == true)
        {
            PreemptConnect();
        }
        else
        {
            // SPDK's other pollers never sleep: they could run here. The race's idle threads wait for progress, so
            // they are woken first, or the point would offer only threads that happen to be awake.
            if (racing?.Invoke() == true)
            {
                epoch?.Progress();
            }

            ScheduleSteps.MeetingPoint();
        }
    }

    /// <summary>
    /// Coyote chooses whether the connecting thread is preempted right after rdma_resolve_addr. If it is, the thread
    /// wakes the race's sleeping threads (the NIC and the other CPUs go on without it) and stays off the CPU until
    /// <see cref="ConnectPreemptionNs"/> of virtual time passed: the new id's ADDR_RESOLVED reaches the shared channel
    /// meanwhile, and whichever thread drains the channel then finds it.
    /// </summary>
    /// <summary>A place where real threads meet (<see cref="MeetingPoint"/>): one scheduling point, the only kind a race has besides blocking.</summary>
    public void At(MeetingPoint point) => ScheduleSteps.MeetingPoint();

    private void PreemptConnect()
    {
        if (epoch == null || nowNs == null || !Generator.Create().NextBoolean())
        {
            ScheduleSteps.MeetingPoint();
            return;
        }

        var until = nowNs() + ConnectPreemptionNs;
        epoch.Progress();
        while (nowNs() < until && !epoch.Stopped)
        {
            SchedulingPoint.Yield(); // off the CPU: let the others run (priority strategies must not starve them)
        }
    }
}
