using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>
/// The controller's qpair lifecycle in HEAD's order: a qpair leaves its controller only when the transport's fini of it
/// completes (nvmf.c:_nvmf_transport_qpair_fini_complete:1563), so its QID stays taken while it drains and a CONNECT
/// reusing that QID waits for one re-check 1 ms later (ctrlr.c:nvmf_ctrlr_add_qpair:299); the controller is destructed
/// with the last qpair of its mask (nvmf.c:1552). Each test fails on the port's earlier order (QID and controller freed
/// at the disconnect) or, for finding 019, with <c>--defect connect-retry-after-ctrlr-destruct</c>.
/// </summary>
public sealed class ControllerLifecycleTests
{
    [Fact]
    public void A_draining_qpair_keeps_its_qid_until_its_fini()
    {
        var bed = new NvmfTestBed();
        var (_, controller) = bed.ConnectEnabled();
        var old = bed.ConnectIo(controller, 1);
        old.HoldFini = true;
        old.Disconnect();

        Assert.Same(old, controller.GetIoQpair(1));
        Assert.Same(controller, old.Controller);
        old.CompleteFini();
        Assert.Null(controller.GetIoQpair(1));
        Assert.Null(old.Controller);
        Assert.Equal(1, controller.QpairMaskCount);
    }

    [Fact]
    public void Reconnect_of_a_draining_qid_waits_and_succeeds_once_the_old_qpair_is_gone()
    {
        // ctrlr_ut.c:test_connect "temporarily duplicate queue ID" (SPDK issue #2955).
        var bed = new NvmfTestBed();
        var (_, controller, old, fresh, connect) = ReconnectWhileQid1Drains(bed);
        Assert.Equal(0, connect.Completions); // held: QID 1 is still in the mask
        Assert.Equal(1, bed.Target.DuplicateQidWaits);

        old.CompleteFini();
        bed.Target.Poll(bed.Clock.NowNs);
        Assert.Equal(0, connect.Completions); // the re-check runs only after its delay

        bed.Clock.NowNs += NvmfTarget.DuplicateQidRetryDelayNs;
        bed.Target.Poll(bed.Clock.NowNs);
        Assert.Equal(1, connect.Completions);
        Assert.Equal(NvmeStatus.Success, connect.Status);
        Assert.Equal(controller.Cntlid, ConnectResponse.GetCntlid(connect.Dw0));
        Assert.Same(fresh, controller.GetIoQpair(1));
        Assert.Same(controller, fresh.Controller);
        Assert.True(fresh.Enabled);
        Assert.Equal(NvmeStatus.Success, bed.Read(fresh, 0, 1).Status);
    }

    [Fact]
    public void Reconnect_of_a_qid_whose_old_qpair_never_goes_fails_after_the_retry()
    {
        var bed = new NvmfTestBed();
        var (_, controller, old, fresh, connect) = ReconnectWhileQid1Drains(bed);
        for (var i = 0; i < 3; i++)
        {
            bed.Clock.NowNs += NvmfTarget.DuplicateQidRetryDelayNs;
            bed.Target.Poll(bed.Clock.NowNs);
        }

        Assert.Equal(1, connect.Completions); // one re-check only (DuplicateQidRetriesMax)
        Assert.Equal(NvmeStatus.InvalidQueueIdentifier, connect.Status);
        Assert.Null(fresh.Controller);
        Assert.Equal(0, fresh.EnableCalls);
        Assert.Same(old, controller.GetIoQpair(1));
    }

    [Fact]
    public void Keep_alive_expiry_without_an_admin_qpair_disconnects_the_io_qpairs_and_destructs_the_controller()
    {
        var bed = new NvmfTestBed();
        var (admin, io, controller) = bed.ConnectAll(kato: 10_000);
        admin.Disconnect();
        Assert.Null(controller.AdminQpair);
        Assert.False(controller.IsDestroyed);

        bed.Clock.AdvanceMs(10_001);
        bed.Target.Poll(bed.Clock.NowNs);
        Assert.True(controller.Csts.Cfs);
        Assert.True(io.Disconnected);
        Assert.True(controller.IsDestroyed);
        Assert.Empty(bed.Target.Controllers);
    }

    [Fact]
    public void Controller_destruct_waits_for_a_pending_duplicate_qid_retry()
    {
        // docs/findings/019: the old I/O qpair and the admin qpair both finish within the re-check's millisecond.
        var bed = new NvmfTestBed();
        var (controller, fresh, connect) = OrphanTheRetry(bed);
        Assert.False(controller.IsDestroyed); // kept for the re-check that names it
        Assert.Same(controller, bed.Target.FindController(controller.Cntlid));

        bed.Clock.NowNs += NvmfTarget.DuplicateQidRetryDelayNs;
        bed.Target.Poll(bed.Clock.NowNs);
        Assert.Equal(1, connect.Completions);
        Assert.Equal(NvmeStatus.ConnectInvalidParameters, connect.Status); // "Inactive admin qpair" (ctrlr.c:288)
        Assert.Equal(0u, connect.Dw0); // no IATTR/IPO, as HEAD
        Assert.Null(fresh.Controller);
        Assert.True(controller.IsDestroyed); // the re-check was the last thing naming it
        Assert.Empty(bed.Target.Controllers);
    }

    [Fact]
    public void Defect_switch_connect_retry_after_ctrlr_destruct_reports_the_use_after_free()
    {
        var bed = new NvmfTestBed(new NvmfTargetOptions { Defects = KnownDefects.ConnectRetryAfterCtrlrDestruct });
        var (controller, _, _) = OrphanTheRetry(bed);
        Assert.True(controller.IsDestroyed); // HEAD: freed under the waiting CONNECT

        bed.Clock.NowNs += NvmfTarget.DuplicateQidRetryDelayNs;
        var violation = Assert.Throws<InvariantViolationException>(() => bed.Target.Poll(bed.Clock.NowNs));
        Assert.Equal(InvariantNames.ObjectLifetime, violation.Invariant);
        Assert.Contains("019", violation.Message, StringComparison.Ordinal);
    }

    /// <summary>QID 1's qpair disconnects and holds its fini (it drains); a new qpair's CONNECT of QID 1 is held for its re-check.</summary>
    private static (FakeQpair Admin, NvmfController Controller, FakeQpair Old, FakeQpair Fresh, FakeNvmfRequest Connect) ReconnectWhileQid1Drains(NvmfTestBed bed)
    {
        var (admin, controller) = bed.ConnectEnabled();
        var old = bed.ConnectIo(controller, 1);
        old.HoldFini = true;
        old.Disconnect();
        var fresh = bed.NewQpair(1);
        return (admin, controller, old, fresh, bed.ConnectHeld(fresh, controller.Cntlid));
    }

    /// <summary>
    /// QID 1 drains; a new CONNECT of QID 1 waits for its re-check; then the admin qpair and the old QID 1 both finish
    /// their fini before the re-check runs: the controller's qpair mask is empty while the CONNECT still names it.
    /// </summary>
    private static (NvmfController Controller, FakeQpair Fresh, FakeNvmfRequest Connect) OrphanTheRetry(NvmfTestBed bed)
    {
        var (admin, controller, old, fresh, connect) = ReconnectWhileQid1Drains(bed);
        Assert.Equal(0, connect.Completions);

        admin.Disconnect();
        old.CompleteFini();
        Assert.Equal(0, controller.QpairMaskCount);
        return (controller, fresh, connect);
    }
}

/// <summary>
/// The keep-alive timer as HEAD runs it: <c>nvmf_ctrlr_keep_alive_poll</c> (ctrlr.c:155) is a poller on the controller's
/// thread, the admin qpair's poll group thread (ctrlr.c:476), registered at the admin CONNECT when KATO is not 0
/// (ctrlr.c:352) and unregistered at the destruct (ctrlr.c:659); the acceptor's poll does not run it. Fails on the port's
/// earlier keep-alive, which ran from <see cref="NvmfTarget.Poll"/> on the acceptor thread.
/// </summary>
public sealed class KeepAliveThreadTests
{
    [Fact]
    public void The_keep_alive_poller_runs_on_the_admin_qpairs_thread_not_the_acceptors()
    {
        var bed = new NvmfTestBed();
        var thread = new FakeReactor("pg0");
        var (admin, io, controller) = ConnectOnThread(bed, thread, kato: 10_000);
        Assert.Single(thread.Pollers);
        Assert.Equal("nvmf_ctrlr_keep_alive_poll", thread.Pollers[0].Name);

        bed.Clock.AdvanceMs(10_001);
        bed.Target.Poll(bed.Clock.NowNs); // the acceptor's poll: not the keep-alive's thread
        Assert.False(controller.Csts.Cfs);
        Assert.False(admin.Disconnected);

        Assert.Equal(1, thread.RunPollers());
        Assert.True(controller.Csts.Cfs);
        Assert.True(admin.Disconnected);
        Assert.True(io.Disconnected);
        Assert.True(controller.IsDestroyed);
        Assert.Empty(thread.Pollers); // unregistered by the destruct
    }

    [Fact]
    public void No_poller_without_kato_and_the_poller_outlives_the_admin_qpair()
    {
        var bed = new NvmfTestBed();
        var idle = new FakeReactor("pg0");
        ConnectOnThread(bed, idle, kato: 0);
        Assert.Empty(idle.Pollers);

        var thread = new FakeReactor("pg1");
        var (admin, io, controller) = ConnectOnThread(bed, thread, kato: 10_000);
        admin.Disconnect();
        Assert.Null(controller.AdminQpair);
        Assert.Single(thread.Pollers); // the controller lives on with its I/O qpair, and so does its timer

        bed.Clock.AdvanceMs(10_001);
        thread.RunPollers();
        Assert.True(io.Disconnected);
        Assert.True(controller.IsDestroyed);
        Assert.Empty(thread.Pollers);
    }

    private static (FakeQpair Admin, FakeQpair Io, NvmfController Controller) ConnectOnThread(NvmfTestBed bed, FakeReactor thread, uint kato)
    {
        var admin = bed.NewQpair(0);
        admin.Thread = thread;
        var connect = bed.Connect(admin, kato: kato);
        Assert.Equal(NvmeStatus.Success, connect.Status);
        var controller = bed.Target.FindController(ConnectResponse.GetCntlid(connect.Dw0))!;
        Assert.Equal(NvmeStatus.Success, bed.PropertySet(admin, NvmeProperty.Cc, NvmfTestBed.CcEnable).Status);
        return (admin, bed.ConnectIo(controller), controller);
    }
}
