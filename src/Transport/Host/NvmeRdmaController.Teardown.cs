using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
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
    private static readonly NvmeCompletionCallback KeepAliveDone = (c, in cpl) => ((NvmeRdmaController)c!).OnKeepAliveDone(cpl);
    private long _nextKeepAliveNs;
    private bool _keepAliveOutstanding;
    private long _teardownDeadlineNs;

    private long KeepAliveIntervalNs => Options.KeepAliveTimeoutMs * 1_000_000L / 2;

    private int StepKeepAlive()
    {
        if (Options.KeepAliveTimeoutMs == 0 || _keepAliveOutstanding || Clock.NowNs < _nextKeepAliveNs)
        {
            return 0;
        }

        _keepAliveOutstanding = true;
        _nextKeepAliveNs = Clock.NowNs + KeepAliveIntervalNs;
        KeepAlivesSent++;
        SubmitAdmin(new KeepAliveCommand().ToCommand(), 0, KeepAliveDone);
        return 1;
    }

    private void OnKeepAliveDone(in NvmeCompletion cpl)
    {
        _keepAliveOutstanding = false;
        if (cpl.Status.IsError && _state == ControllerState.Ready)
        {
            EnterFailed($"Keep Alive failed: {cpl}");
        }
    }

    /// <summary>nvme_ctrlr_disconnect: every qpair disconnects; then the admin qpair reconnects and init runs again.</summary>
    private void BeginReset()
    {
        Interlocked.Exchange(ref _resetRequested, 0);
        Log($"ctrlr {Name}: resetting");
        _state = ControllerState.Resetting;
        _teardownDeadlineNs = Clock.NowNs + Options.ControllerTeardownTimeoutNs;
        _keepAliveOutstanding = false;
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
