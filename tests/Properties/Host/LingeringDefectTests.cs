using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Sim.Cm;
using Harness.Sim.Faults;
using Harness.Tests.Properties.Host.Support;
using Harness.Tests.Properties.Support;
using Harness.Transport.Host;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// The seed bug <c>lingering-without-ctrlr-lock</c> (SPDK #3347, fix 4985289a62). A qpair leaves LINGERING and is
/// destroyed: its parked CM events are acked (the sweep), then rdma_destroy_id runs. The admin thread, which drains
/// the shared channel under the controller lock, preempts the destroying thread right after the sweep (the
/// interleaving hook) while the qpair's late TIMEWAIT_EXIT waits on the channel. Fixed, the destroy holds the lock, the
/// admin thread cannot get in, nothing is parked, no hang. Pre-fix, the admin thread parks TIMEWAIT_EXIT in the
/// destroyed qpair's slot unacked and rdma_destroy_id waits forever (cooperative simulation: SimulatedHangException).
/// </summary>
public sealed class LingeringDefectTests
{
    private const long DisconnectAtNs = 50_000_000;

    [Fact]
    public void Destroying_a_lingering_qpair_while_the_admin_thread_reaps_its_late_timewait_exit_does_not_hang()
    {
        var hook = new AdminPreemptsDestroy();
        using var bed = LingeringBed(HostBed.DefaultOptions(), hook, cqDelayNs: 5_000_000);
        var a = DisconnectAndLinger(bed, hook);
        bed.RunUntil(() => a.State == NvmeRdmaQpairState.Exited, "the lingering qpair destroyed");

        Assert.Equal(1, hook.Fired);
        Assert.Equal(1, hook.LateEventsOnChannel); // TIMEWAIT_EXIT was there to be reaped...
        Assert.False(hook.AdminGotTheLock); // ...but the destroying thread held the controller lock
        Assert.Equal(bed.Controller.CmEventsGot, bed.Controller.CmEventsAcked);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void With_lingering_without_ctrlr_lock_the_same_interleaving_hangs_in_rdma_destroy_id()
    {
        var hook = new AdminPreemptsDestroy();
        var options = HostBed.DefaultOptions() with { Defects = KnownDefects.LingeringWithoutCtrlrLock };
        using var bed = LingeringBed(options, hook, cqDelayNs: 5_000_000);
        var a = DisconnectAndLinger(bed, hook);

        var hang = Assert.Throws<SimulatedHangException>(() => bed.RunUntil(() => a.State == NvmeRdmaQpairState.Exited, "destroy"));
        Assert.Contains("rdma_destroy_id", hang.Message, StringComparison.Ordinal);
        Assert.True(hook.AdminGotTheLock);
        Assert.Equal(CmEventType.TimewaitExit, a.Evt?.EventType); // parked after the sweep, never acked
        Assert.False(a.Evt!.Acked);
    }

    /// <summary>
    /// Over seeds and flush delays (the late event may or may not be on the channel when the destroy sweeps): the fixed
    /// host never hangs and acks every event; the pre-fix host hangs exactly when the late event was there.
    /// </summary>
    [HarnessProperty(MaxTest = 30)]
    public Property The_defect_hangs_exactly_when_the_late_event_can_be_parked_and_the_fix_never_does()
    {
        var gen =
            from seed in Gen.Choose(1, int.MaxValue)
            from delayUs in Gen.Choose(200, 4_000)
            from defect in Gen.Elements(false, true)
            select (seed, delayUs, defect);
        return Prop.ForAll(Arb.From(gen), c =>
        {
            var hook = new AdminPreemptsDestroy();
            var defects = c.defect ? KnownDefects.LingeringWithoutCtrlrLock : HostBed.DefaultOptions().Defects;
            using var bed = LingeringBed(HostBed.DefaultOptions() with { Defects = defects }, hook, c.delayUs * 1_000L, (ulong)c.seed);
            var a = DisconnectAndLinger(bed, hook);
            var hung = false;
            try
            {
                bed.RunUntil(() => a.State == NvmeRdmaQpairState.Exited, "destroy");
            }
            catch (SimulatedHangException)
            {
                hung = true;
            }

            var defectOn = (defects & KnownDefects.LingeringWithoutCtrlrLock) != 0;
            Assert.True(hung == (defectOn && hook.LateEventsOnChannel > 0),
                $"defect {defectOn}, late events on the channel at the sweep {hook.LateEventsOnChannel}, hung {hung}");
            if (!hung)
            {
                Assert.Equal(bed.Controller.CmEventsGot, bed.Controller.CmEventsAcked);
                bed.DeleteAll();
                Assert.Null(bed.HostLeaks());
            }
        });
    }

    /// <summary>
    /// One I/O qpair; the admin queue is polled once a second (as bdev_nvme polls it periodically), so a late event
    /// waits on the channel; completions written from <see cref="DisconnectAtNs"/> on show up late, so the qpair lingers.
    /// </summary>
    private static HostBed LingeringBed(HostOptions options, AdminPreemptsDestroy hook, long cqDelayNs, ulong seed = 7)
    {
        var plan = FaultPlan.Of(new DelayCqFault("host", Cq: 1, DelayNs: cqDelayNs, FromNs: DisconnectAtNs, UntilNs: DisconnectAtNs + 10_000_000));
        var bed = new HostBed(seed, options with { Interleaving = hook, AdminPollPeriodNs = 1_000_000_000, KeepAliveTimeoutMs = 0 }, plan, groups: 1);
        hook.Controller = bed.Controller;
        bed.StartController();
        return bed;
    }

    private static NvmeRdmaQpair DisconnectAndLinger(HostBed bed, AdminPreemptsDestroy hook)
    {
        var a = bed.ConnectIoQpairs(1)[0];
        hook.Target = a;
        bed.RunUntil(() => bed.NowNs >= DisconnectAtNs, "disconnect time");
        a.Disconnect();
        bed.RunUntil(() => a.State >= NvmeRdmaQpairState.Lingering, "the qpair disconnected");
        Assert.Equal(NvmeRdmaQpairState.Lingering, a.State);
        return a;
    }

    /// <summary>At the point between the sweep and rdma_destroy_id of the target qpair, the admin thread runs once.</summary>
    private sealed class AdminPreemptsDestroy : IHostInterleaving
    {
        public NvmeRdmaController? Controller { get; set; }

        public NvmeRdmaQpair? Target { get; set; }

        public int Fired { get; private set; }

        public int LateEventsOnChannel { get; private set; } = -1;

        public bool AdminGotTheLock { get; private set; }

        public void At(HostInterleavingPoint point, NvmeRdmaQpair qpair)
        {
            if (point != HostInterleavingPoint.QpairDestroyAfterEventSweep || !ReferenceEquals(qpair, Target) || Fired++ > 0)
            {
                return;
            }

            LateEventsOnChannel = ((SimCmEventChannel)Controller!.Events.Channel).ReadyCount;
            var polls = Controller.AdminPolls;
            Controller.ProcessAdminCompletions();
            AdminGotTheLock = Controller.AdminPolls > polls;
        }
    }
}
