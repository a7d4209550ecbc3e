using Harness.Sim.Cm;
using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// docs/findings/022: spdk_nvme_ctrlr_free_io_qpair (SPDK HEAD nvme_ctrlr.c:621) disconnects without the controller
/// lock, while every other disconnect takes it. The admin thread, which drains the shared CM channel under the lock,
/// is run exactly where that matters, after the event the free is about to wait for reached the channel:
/// (a) a connected qpair, between rdma_disconnect and process_event_start: the admin thread parks DISCONNECTED, the
/// disconnect consumes it as a leftover and waits for it until the CM event timeout;
/// (b) a qpair still resolving its address, between the destroy's event sweep and rdma_destroy_id: the admin thread
/// parks ADDR_RESOLVED in the destroyed qpair's slot and rdma_destroy_id waits forever (as SPDK #3347).
/// Fixed, the freeing thread holds the lock and the admin thread, on the same OS thread here, gets nothing done.
/// </summary>
public sealed class FreeIoQpairLockTests
{
    /// <summary>Virtual time the preempted poll-group thread stays off the CPU: the CM event arrives well within it.</summary>
    private const long PreemptionNs = 1_000_000;

    /// <summary>The CM event timeout of these runs (SPDK's rdma_cm_event_timeout_ms default is 1 s).</summary>
    private const long CmEventTimeoutNs = 1_000_000_000;

    /// <summary>
    /// CM timewait of the connected case: the kernel's is derived from the path's packet lifetime (about a second or
    /// more on RoCE), so TIMEWAIT_EXIT comes after the CM event timeout. (With the simulator's default 1 ms, the lost
    /// DISCONNECTED's wait ends at TIMEWAIT_EXIT instead: "Expected DISCONNECTED but received TIMEWAIT_EXIT", the same
    /// "Target did not respond" destroy, only sooner; <see cref="With_a_short_timewait_the_unlocked_free_ends_its_wait_at_timewait_exit"/>.)
    /// </summary>
    private const long CmTimewaitNs = 2_000_000_000;

    private const string NoResponse = "Target did not respond to qpair disconnect.";

    [Fact]
    public void Freeing_a_connected_qpair_holds_the_lock_so_its_disconnected_cannot_be_taken_by_the_admin_thread()
    {
        var run = FreeConnected(KnownDefects.None);

        Assert.True(run.Preempted, "the admin thread ran between rdma_disconnect and process_event_start of the free");
        Assert.True(run.EventOnChannel, "DISCONNECTED was on the channel when the admin thread ran");
        Assert.False(run.AdminGotLock, "the admin thread got the controller lock during the free's disconnect");
        Assert.Equal(0, run.CmEventTimeouts);
        Assert.True(run.FreeTookNs < CmEventTimeoutNs, $"the free took {run.FreeTookNs} ns");
        Assert.DoesNotContain(run.Log, l => l.Contains(NoResponse, StringComparison.Ordinal));
        Assert.Null(run.Leaks);
    }

    [Fact]
    public void Without_the_lock_the_free_loses_its_disconnected_and_waits_the_cm_event_timeout()
    {
        var run = FreeConnected(KnownDefects.FreeIoQpairDisconnectWithoutCtrlrLock);

        Assert.True(run.Preempted && run.EventOnChannel && run.AdminGotLock, "the admin thread drained DISCONNECTED during the unlocked free");
        Assert.Equal(1, run.CmEventTimeouts);
        Assert.True(run.FreeTookNs >= CmEventTimeoutNs, $"the free took {run.FreeTookNs} ns");
        Assert.Contains(run.Log, l => l.Contains(NoResponse, StringComparison.Ordinal));
        Assert.Null(run.Leaks);
    }

    [Fact]
    public void With_a_short_timewait_the_unlocked_free_ends_its_wait_at_timewait_exit()
    {
        var run = FreeConnected(KnownDefects.FreeIoQpairDisconnectWithoutCtrlrLock, cmTimewaitNs: 1_000_000);

        Assert.True(run.Preempted && run.EventOnChannel && run.AdminGotLock);
        Assert.Equal(0, run.CmEventTimeouts);
        Assert.Contains(run.Log, l => l.Contains("Expected RDMA_CM_EVENT_DISCONNECTED but received RDMA_CM_EVENT_TIMEWAIT_EXIT", StringComparison.Ordinal));
        Assert.Contains(run.Log, l => l.Contains(NoResponse, StringComparison.Ordinal));
        Assert.Null(run.Leaks);
    }

    [Fact]
    public void Freeing_a_resolving_qpair_destroys_it_under_the_lock_and_does_not_hang()
    {
        var hook = new AdminPreempts(HostInterleavingPoint.QpairDestroyAfterEventSweep);
        using var bed = ResolvingBed(KnownDefects.None, hook, out var qpair);

        GroupPoll(bed); // the free: disconnect and destroy at once (no QP yet)

        Assert.True(hook.Fired && hook.EventOnChannel, "ADDR_RESOLVED was on the channel between the sweep and rdma_destroy_id");
        Assert.False(hook.AdminGotLock);
        bed.RunUntil(() => qpair.IsFreed, "the qpair freed");
        Assert.Equal(bed.Controller.CmEventsGot, bed.Controller.CmEventsAcked);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void Without_the_lock_freeing_a_resolving_qpair_hangs_in_rdma_destroy_id()
    {
        var hook = new AdminPreempts(HostInterleavingPoint.QpairDestroyAfterEventSweep);
        using var bed = ResolvingBed(KnownDefects.FreeIoQpairDisconnectWithoutCtrlrLock, hook, out var qpair);

        var hang = Assert.Throws<SimulatedHangException>(() => GroupPoll(bed));

        Assert.Contains("rdma_destroy_id", hang.Message, StringComparison.Ordinal);
        Assert.True(hook.AdminGotLock);
        Assert.Equal(CmEventType.AddrResolved, qpair.Evt?.EventType); // parked after the sweep, never acked
        Assert.False(qpair.Evt!.Acked);
    }

    private static FreeRun FreeConnected(KnownDefects extra, long cmTimewaitNs = CmTimewaitNs)
    {
        var hook = new AdminPreempts(HostInterleavingPoint.DisconnectAfterRdmaDisconnect);
        var log = new List<string>();
        var options = Options(extra, hook) with { Log = log.Add };
        using var bed = new HostBed(options: options, groups: 1, manual: true, cmTimewaitNs: cmTimewaitNs);
        hook.Bed = bed;
        bed.StartController();
        var qpair = bed.ConnectIoQpairs(1)[0];
        hook.Target = qpair;
        var start = bed.NowNs;
        qpair.Free();
        bed.RunUntil(() => qpair.IsFreed, "the qpair freed", limitNs: 4 * CmEventTimeoutNs);
        var run = new FreeRun(hook.Fired, hook.EventOnChannel, hook.AdminGotLock, qpair.CmEventTimeouts, bed.NowNs - start, log.ToArray(), null);
        bed.DeleteAll();
        return run with { Leaks = bed.HostLeaks() };
    }

    /// <summary>An I/O qpair that started connecting (rdma_resolve_addr issued), freed, with its ADDR_RESOLVED on the channel.</summary>
    private static HostBed ResolvingBed(KnownDefects extra, AdminPreempts hook, out NvmeRdmaQpair qpair)
    {
        var bed = new HostBed(options: Options(extra, hook), groups: 1, manual: true);
        hook.Bed = bed;
        bed.StartController();
        qpair = bed.Controller.CreateIoQpair(bed.Groups[0]);
        hook.Target = qpair;
        GroupPoll(bed);
        Assert.Equal(NvmeRdmaQpairState.Initializing, qpair.State);
        qpair.Free();
        bed.RunFor(PreemptionNs, poll: () => { }); // ADDR_RESOLVED reaches the channel; nobody polls
        Assert.Equal(1, Channel(bed).ReadyCount);
        return bed;
    }

    private static HostOptions Options(KnownDefects extra, IHostInterleaving hook)
    {
        var defaults = HostBed.DefaultOptions();
        return defaults with { Defects = defaults.Defects | extra, Interleaving = hook, CmEventTimeoutNs = CmEventTimeoutNs, KeepAliveTimeoutMs = 0 };
    }

    private static void GroupPoll(HostBed bed) => ((ManualReactor)bed.GroupReactors[0]).PollOnce();

    private static SimCmEventChannel Channel(HostBed bed) => (SimCmEventChannel)bed.Controller.Events.Channel;

    private sealed record FreeRun(bool Preempted, bool EventOnChannel, bool AdminGotLock, int CmEventTimeouts, long FreeTookNs, string[] Log, string? Leaks);

    /// <summary>At <c>point</c> of the target qpair, once: the fabric runs while this thread is off the CPU, then the admin thread polls.</summary>
    private sealed class AdminPreempts(HostInterleavingPoint point) : IHostInterleaving
    {
        public HostBed? Bed { get; set; }

        public NvmeRdmaQpair? Target { get; set; }

        public bool Fired { get; private set; }

        public bool EventOnChannel { get; private set; }

        public bool AdminGotLock { get; private set; }

        public void At(HostInterleavingPoint at, NvmeRdmaQpair qpair)
        {
            if (at != point || !ReferenceEquals(qpair, Target) || Fired)
            {
                return;
            }

            Fired = true;
            if (point == HostInterleavingPoint.DisconnectAfterRdmaDisconnect)
            {
                Bed!.RunFor(PreemptionNs, poll: () => { });
            }

            EventOnChannel = Channel(Bed!).ReadyCount > 0;
            var polls = Bed!.Controller.AdminPolls;
            Bed.Controller.ProcessAdminCompletions();
            AdminGotLock = Bed.Controller.AdminPolls > polls;
        }
    }
}
