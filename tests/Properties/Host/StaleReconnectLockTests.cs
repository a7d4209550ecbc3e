using Harness.Sim.Faults;
using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// docs/findings/010: the reconnect after a stale-connection reject (STALE_CONN → INITIALIZING) must hold the controller
/// lock from rdma_resolve_addr to nvme_rdma_process_event_start, as every other connect does. The admin thread is run
/// exactly there, after the new id's ADDR_RESOLVED reached the shared channel (a poll-group thread preempted for a few
/// microseconds). Fixed: the admin thread finds the lock taken and drains nothing, the qpair gets its ADDR_RESOLVED and
/// runs. With <c>stale-reconnect-without-ctrlr-lock</c> (SPDK HEAD) the admin thread parks the event in the slot, the
/// reconnect consumes it as a leftover, waits for it until the CM event timeout and fails.
/// </summary>
public sealed class StaleReconnectLockTests
{
    /// <summary>Virtual time the preempted poll-group thread stays off the CPU: ADDR_RESOLVED arrives well within it.</summary>
    private const long PreemptionNs = 1_000_000;

    [Fact]
    public void A_stale_reconnect_holds_the_controller_lock_so_its_addr_resolved_cannot_be_taken_by_the_admin_thread()
    {
        var run = Run(KnownDefects.None);

        Assert.True(run.Preempted, "the admin thread ran between rdma_resolve_addr and process_event_start of the reconnect");
        Assert.False(run.AdminGotLock, "the admin thread got the controller lock during the reconnect");
        Assert.Equal(NvmeRdmaQpairState.Running, run.State);
        Assert.Equal(0, run.CmEventTimeouts);
        Assert.Null(run.Leaks);
    }

    [Fact]
    public void Without_the_lock_the_reconnect_loses_its_addr_resolved_and_the_connect_times_out()
    {
        var run = Run(KnownDefects.StaleReconnectWithoutCtrlrLock);

        Assert.True(run.Preempted && run.AdminGotLock, "the admin thread drained the channel during the unlocked reconnect");
        Assert.Equal(1, run.CmEventTimeouts);
        Assert.Equal(QpairFailureReason.ConnectFailed, run.FailureReason);
        Assert.Null(run.Leaks);
    }

    private static RunResult Run(KnownDefects extra)
    {
        var preemption = new AdminPreemptsReconnect();
        var defaults = HostBed.DefaultOptions();
        var options = defaults with { Defects = defaults.Defects | extra, Interleaving = preemption };

        // rdma_connect #1 is the admin qpair's, #2 the I/O qpair's first: rejected as stale, so the qpair reconnects.
        using var bed = new HostBed(options: options, faults: FaultPlan.Of(new StaleConnFault("host", 2)), groups: 1, manual: true);
        preemption.Bed = bed;
        bed.StartController();
        var qpair = bed.Controller.CreateIoQpair(bed.Groups[0]);
        bed.RunUntil(() => qpair.State == NvmeRdmaQpairState.Running || qpair.CmEventTimeouts > 0, "the reconnect ran or timed out");
        bed.RunUntil(() => qpair.State is NvmeRdmaQpairState.Running or NvmeRdmaQpairState.Exited, "the qpair settled");
        var result = new RunResult(preemption.Fired, preemption.AdminGotLock, qpair.State, qpair.CmEventTimeouts, qpair.FailureReason, null);
        bed.DeleteAll();
        return result with { Leaks = bed.HostLeaks() };
    }

    private sealed record RunResult(bool Preempted, bool AdminGotLock, NvmeRdmaQpairState State, int CmEventTimeouts,
        QpairFailureReason FailureReason, string? Leaks);

    /// <summary>At the reconnect's resolve, lets the fabric deliver ADDR_RESOLVED, then runs the admin thread once.</summary>
    private sealed class AdminPreemptsReconnect : IHostInterleaving
    {
        public HostBed? Bed { get; set; }

        public bool Fired { get; private set; }

        public bool AdminGotLock { get; private set; }

        public void At(HostInterleavingPoint point, NvmeRdmaQpair qpair)
        {
            if (point != HostInterleavingPoint.ConnectAfterResolveAddr || qpair.Qid == 0 || qpair.State != NvmeRdmaQpairState.StaleConn || Fired)
            {
                return;
            }

            Fired = true;
            Bed!.RunFor(PreemptionNs, poll: () => { }); // this thread is off the CPU: only the fabric and the target move
            var polls = Bed.Controller.AdminPolls;
            Bed.Controller.ProcessAdminCompletions();
            AdminGotLock = Bed.Controller.AdminPolls > polls;
        }
    }
}
