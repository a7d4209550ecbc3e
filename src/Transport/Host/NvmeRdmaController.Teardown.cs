using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// Keep-alive, reset and deletion, on the admin thread under the controller lock. Reset and deletion only ask the
/// I/O qpairs' own threads to disconnect (or free) them and wait, bounded by
/// <see cref="HostOptions.ControllerTeardownTimeoutNs"/>; the admin qpair goes last; then the channel, the memory
/// map, the admin buffer and the PD are released and checked.
/// </summary>
public sealed partial class NvmeRdmaController
{
    /// <summary>HEAD nvme_keep_alive_completion (nvme_ctrlr.c:4735): the completion of a Keep Alive is not looked at.</summary>
    private static readonly NvmeCompletionCallback KeepAliveDone = (c, in cpl) => ((NvmeRdmaController)c!).KeepAlivesCompleted++;
    private long _nextKeepAliveNs;
    private long _keepAliveIntervalNs;
    private long _teardownDeadlineNs;

    /// <summary>The controller's own deadlines and its admin qpair's (the admin poller's <see cref="ITimedPoller.NextRunNs"/>).</summary>
    internal long NextRunNs()
    {
        var next = new NextRun(Clock.NowNs);
        if (_keepAliveIntervalNs != 0)
        {
            next.Add(_nextKeepAliveNs);
        }

        next.Add(_teardownDeadlineNs);
        next.Add(_readyDeadlineNs);
        next.Add(_nextCstsReadNs);
        next.Add(AdminQpair.NextRunNs());
        return next.Ns;
    }

    /// <summary>
    /// HEAD nvme_ctrlr_set_keep_alive_timeout's end (nvme_ctrlr.c:3240–3251), in the init after Identify Controller: a
    /// Keep Alive every KATO/2, the first as soon as possible. (HEAD reads the KATO back with Get Features; the port keeps
    /// the one its Connect asked for.)
    /// </summary>
    private void EnableKeepAlive()
    {
        _keepAliveIntervalNs = Options.KeepAliveTimeoutMs * 1_000_000L / 2;
        _nextKeepAliveNs = Clock.NowNs;
    }

    /// <summary>HEAD nvme_ctrlr_disconnect (nvme_ctrlr.c:1780): keep-alive off until the init enables it again.</summary>
    private void DisableKeepAlive() => _keepAliveIntervalNs = 0;

    /// <summary>
    /// HEAD nvme_ctrlr_keep_alive (nvme_ctrlr.c:4745), first thing in every admin poll once KATO is set (:4795): when due,
    /// a Keep Alive is submitted whatever is outstanding (several may be in flight when the target is slow). No free
    /// request: nothing, tried again on the next poll (nvme_allocate_request_null). A submission that fails: logged, the
    /// next one scheduled all the same, and the poll ends there with -ENXIO (its completions wait for the next poll).
    /// </summary>
    private int KeepAlive()
    {
        Check.That(_keepAliveIntervalNs > 0 && Lock.IsHeldBy(AdminOwner), InvariantNames.StateTransition, this,
            c => $"{c}: keep-alive without an interval or the controller lock");
        var now = Clock.NowNs;
        if (now < _nextKeepAliveNs)
        {
            return Errno.Ok;
        }

        var rc = AdminQpair.SubmitInternal(new KeepAliveCommand().ToCommand(), default, KeepAliveDone, this);
        if (rc == Errno.EAGAIN)
        {
            return Errno.Ok; // every admin request in use: HEAD's allocation failed, and the tick is not advanced
        }

        if (rc != Errno.Ok)
        {
            Log($"ctrlr {Name}: *ERROR* Submitting Keep Alive failed: {Errno.Name(rc)}"); // HEAD returns -ENXIO here
        }
        else
        {
            KeepAlivesSent++;
        }

        _nextKeepAliveNs = now + _keepAliveIntervalNs;
        Check.That(_nextKeepAliveNs > now, InvariantNames.StateTransition, this, c => $"{c}: next keep-alive not in the future");
        return rc;
    }

    /// <summary>nvme_ctrlr_disconnect: every qpair disconnects; then the admin qpair reconnects and init runs again.</summary>
    private void BeginReset()
    {
        Interlocked.Exchange(ref _resetRequested, 0);
        Log($"ctrlr {Name}: resetting");
        _state = ControllerState.Resetting;
        _teardownDeadlineNs = Clock.NowNs + Options.ControllerTeardownTimeoutNs;
        DisableKeepAlive();
        foreach (var qpair in IoQpairs)
        {
            qpair.Disconnect();
        }

        AdminQpair.Disconnect();
    }

    private int StepReset()
    {
        var quiet = AdminQpair.State is NvmeRdmaQpairState.Exited or NvmeRdmaQpairState.Invalid;
        foreach (var qpair in IoQpairs)
        {
            quiet &= qpair.State is NvmeRdmaQpairState.Exited or NvmeRdmaQpairState.Invalid;
        }

        if (!quiet)
        {
            if (TeardownOverdue("reset"))
            {
                _state = ControllerState.Failed; // a reset that cannot finish leaves the controller failed (delete it)
            }

            return 0;
        }

        Resets++;
        _reconnectIoWhenReady = true;
        _state = ControllerState.ConnectAdminQpair;
        AdminQpair.RequestConnect();
        return 1;
    }

    /// <summary>spdk_nvme_detach: free every I/O qpair (their threads disconnect them), then the admin qpair.</summary>
    private void BeginDelete()
    {
        Log($"ctrlr {Name}: deleting");
        _state = ControllerState.Deleting;
        _teardownDeadlineNs = Clock.NowNs + Options.ControllerTeardownTimeoutNs;
        DisableKeepAlive(); // HEAD's destruct polls no admin completions, so sends no Keep Alive
        foreach (var qpair in IoQpairs)
        {
            qpair.Free();
        }
    }

    private int StepDelete()
    {
        lock (_qpairsGate)
        {
            if (_ioQpairs.Count > 0)
            {
                TeardownOverdue("delete");
                return 0;
            }
        }

        if (AdminQpair.State is not (NvmeRdmaQpairState.Exited or NvmeRdmaQpairState.Invalid) || AdminQpair.CmId != null)
        {
            // Asked here, acted on in this same poll: a request that waited for the next admin poll period would be a
            // state change reported as no work (a poller that is idle while it has something to do).
            AdminQpair.Disconnect();
            var acted = AdminQpair.Progress();
            TeardownOverdue("delete");
            return acted;
        }

        ReleaseResources();
        _state = ControllerState.Deleted;
        _adminReactor.RemovePoller(_adminPoller);
        Log($"ctrlr {Name}: deleted");
        return 1;
    }

    /// <summary>True (and reported once) when the teardown's deadline has passed: a finding, something hangs.</summary>
    private bool TeardownOverdue(string what)
    {
        if (Clock.NowNs < _teardownDeadlineNs)
        {
            return false;
        }

        if (!TeardownTimedOut)
        {
            TeardownTimedOut = true;
            Log($"ctrlr {Name}: *ERROR* {what} did not finish within {Options.ControllerTeardownTimeoutNs} ns: NVMe path still exists");
        }

        return true;
    }

    /// <summary>Releases the controller's own resources and checks nothing is left behind.</summary>
    private void ReleaseResources()
    {
        Check.That(AdminQpair.Resources == null && AdminQpair.CmId == null && AdminQpair.PrivateCq == null, InvariantNames.NoLeakOnDestroy, Name,
            n => $"ctrlr {n}: admin qpair not destroyed at controller teardown");
        Events.CheckDrained();
        var rc = Events.Channel.Destroy();
        Check.That(rc == Errno.Ok, InvariantNames.NoLeakOnDestroy, (Name, rc), s => $"ctrlr {s.Name}: rdma_destroy_event_channel failed ({Errno.Name(s.rc)}): a CM id is left");
        MemoryMap?.ReleaseAll();
        Stack.Memory.Free(_adminData);
        if (Pd != null)
        {
            rc = Pd.Dealloc();
            Check.That(rc == Errno.Ok, InvariantNames.NoLeakOnDestroy, (Name, rc), s => $"ctrlr {s.Name}: ibv_dealloc_pd failed ({Errno.Name(s.rc)}): an MR or QP is left");
            Pd = null;
        }
    }
}
