using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>What the owning thread does with the qpair on each poll (SPDK: the poll group's connect/disconnect polls).</summary>
public sealed partial class NvmeRdmaQpair
{
    /// <summary>
    /// One round on the owning thread: act on requests (fail, free, disconnect, connect), then advance the connect
    /// or disconnect machinery, or, when running, consume an unsolicited CM event and check timeouts. Returns work done.
    /// A step that would block on the controller lock ends the round (<see cref="WaitingForLock"/>): HEAD's thread
    /// would sit in nvme_ctrlr_lock there and do nothing else.
    /// </summary>
    internal int Progress()
    {
        WaitingForLock = false;
        var work = HandleRequests();
        if (IsFreed || WaitingForLock)
        {
            return work;
        }

        switch (_state)
        {
            case NvmeRdmaQpairState.Invalid:
            case NvmeRdmaQpairState.Exited:
                return work;
            case NvmeRdmaQpairState.StaleConn:
                return work + StaleConnPoll();
            case NvmeRdmaQpairState.StaleConnLingering:
                return work + StaleConnLingeringPoll();
            case NvmeRdmaQpairState.Running:
                return work + RunningPoll();
            case < NvmeRdmaQpairState.Running:
                work += ConnectPoll();
                work += _state > NvmeRdmaQpairState.Initializing ? ProcessUnsolicitedEvent() : 0;
                if (FailureReason != QpairFailureReason.None && _state != NvmeRdmaQpairState.Initializing)
                {
                    Fail(FailureReason); // e.g. the target's DISCONNECTED while the Fabrics Connect was in flight
                }

                CheckTimeout();
                return work;
            default:
                return work + DisconnectPoll();
        }
    }

    /// <summary>Checks receive-conservation of the response buffers while the qpair runs (not once it is failing or disconnecting).</summary>
    internal void CheckReceives()
    {
        if (_state == NvmeRdmaQpairState.Running && !_failRequested && !SrqHeld && Resources is { } r)
        {
            r.CheckReceives(Name);
        }
    }

    /// <summary>SPDK nvme_rdma_fail_qpair: remember why, and disconnect on the next round (after the WC batch).</summary>
    internal void Fail(QpairFailureReason reason)
    {
        if (_state >= NvmeRdmaQpairState.Exiting || IsFreed)
        {
            return;
        }

        if (FailureReason == QpairFailureReason.None)
        {
            FailureReason = reason;
        }

        if (!_failRequested)
        {
            _failRequested = true;
            NotifyOwner(); // the disconnect is the next round's work, whichever thread failed it
        }
    }

    /// <summary>Asks for a connect (the controller does this for a new I/O qpair and after a reset).</summary>
    internal void RequestConnect()
    {
        Interlocked.Exchange(ref _connectRequested, 1);
        NotifyOwner();
    }

    private int HandleRequests()
    {
        var freeing = Volatile.Read(ref _freeRequested) != 0;
        var disconnect = _failRequested || freeing || Volatile.Read(ref _disconnectRequested) != 0;
        if (disconnect && IsConnectedOrConnecting())
        {
            if (freeing && DefectFreeDisconnectWithoutLock)
            {
                return DisconnectForFreeWithoutLock();
            }

            if (!Lock())
            {
                return 0; // the holder is suspended on this OS thread: the same step first thing on the next round
            }

            try
            {
                if (FailureReason == QpairFailureReason.None)
                {
                    FailureReason = QpairFailureReason.Requested;
                }

                StartDisconnect(CmWait.Disconnected);
            }
            finally
            {
                Unlock();
            }

            ClearDisconnectRequests();
            return 1;
        }

        ClearDisconnectRequests();
        if (freeing)
        {
            Interlocked.Exchange(ref _connectRequested, 0);
            return _state is NvmeRdmaQpairState.Invalid or NvmeRdmaQpairState.Exited ? FinishFree() : 0;
        }

        return Volatile.Read(ref _connectRequested) != 0 ? HandleConnectRequest() : 0;
    }

    /// <summary>True when there is something to disconnect: a connection (being) set up, or a stale-connection wait.</summary>
    private bool IsConnectedOrConnecting() =>
        _state < NvmeRdmaQpairState.Exiting && (_state != NvmeRdmaQpairState.Invalid || CmId != null);

    private void ClearDisconnectRequests()
    {
        if (_state >= NvmeRdmaQpairState.Exiting || !IsConnectedOrConnecting())
        {
            _failRequested = false;
            Interlocked.Exchange(ref _disconnectRequested, 0);
        }
    }

    private int HandleConnectRequest()
    {
        if (_state is not (NvmeRdmaQpairState.Invalid or NvmeRdmaQpairState.Exited))
        {
            if (_state < NvmeRdmaQpairState.Exiting)
            {
                Interlocked.Exchange(ref _connectRequested, 0); // already connecting or connected
            }

            return 0; // disconnecting: connect once EXITED
        }

        if (!(IsAdmin ? _ctrlr.AcceptsAdminConnect : _ctrlr.AcceptsIoConnect) || !Lock())
        {
            return 0;
        }

        try
        {
            Interlocked.Exchange(ref _connectRequested, 0);
            var rc = StartConnect();
            if (rc != Errno.Ok)
            {
                OnStartConnectFailed(rc);
            }
        }
        finally
        {
            Unlock();
        }

        return 1;
    }

    private int FinishFree()
    {
        if (CmId != null)
        {
            if (!Lock())
            {
                return 0;
            }

            try
            {
                Destroy(); // defensive: an id left behind by a failed connect attempt
            }
            finally
            {
                Unlock();
            }
        }

        IsFreed = true;
        _ctrlr.OnIoQpairFreed(this);
        return 1;
    }

    private int RunningPoll()
    {
        var work = PostDueRecvs() + ProcessUnsolicitedEvent();
        if (FailureReason != QpairFailureReason.None)
        {
            Fail(FailureReason);
        }

        CheckTimeout();
        return work;
    }

    /// <summary>
    /// A connected qpair (FABRIC_CONNECT_SEND/POLL or RUNNING) consumes an unsolicited event parked in its slot, e.g. the
    /// target's DISCONNECTED, as SPDK's poll group does for every connected qpair each round (before RUNNING was
    /// checked alone, a DISCONNECTED during the Fabrics Connect stayed parked and the qpair waited for the command's
    /// timeout; found by the Coyote target scenario ErrorDrainRacingReceives). Without the controller lock, as HEAD
    /// (nvme_rdma_poll_group_process_completions, nvme_rdma.c:3944, and nvme_rdma_qpair_process_completions:3368 call
    /// nvme_rdma_qpair_process_cm_event unlocked): the slot is a hand-off, written by the lock holder only while empty
    /// and emptied only by the owner, and nothing else the consumption touches is shared.
    /// </summary>
    private int ProcessUnsolicitedEvent()
    {
        if (Evt == null)
        {
            return 0;
        }

        ProcessCmEvent();
        return 1;
    }

    /// <summary>Set by the admin thread when the Abort of one of this qpair's timed-out commands failed.</summary>
    private int _abortFailed;

    /// <summary>The Abort of a timed-out command failed: the qpair fails on its own thread's next round (any thread).</summary>
    internal void FailForTimeout()
    {
        Interlocked.Exchange(ref _abortFailed, 1);
        NotifyOwner();
    }

    /// <summary>
    /// When this qpair's next deadline falls (<see cref="ITimedPoller.NextRunNs"/> of its poller): the first outstanding
    /// command not yet timed out, the CM event it waits for, the lingering bound, the stale-connection retry, a
    /// deferred receive. Deadlines at or before now were seen by the round that just ran.
    /// </summary>
    internal long NextRunNs()
    {
        var now = _clock.NowNs;
        var next = new NextRun(now);
        next.Add(_eventDeadlineNs);
        next.Add(_lingerDeadlineNs);
        next.Add(_staleReconnectAtNs);
        if (Resources is { } r)
        {
            next.Add(r.NextDeferredRecvDueNs);
            for (var req = r.Oldest; req != null; req = req.Next)
            {
                if (!req.TimedOut && req.DeadlineNs > now)
                {
                    next.Add(req.DeadlineNs); // the oldest first: later ones are due later (one timeout per qpair)
                    break;
                }
            }
        }

        return next.Ns;
    }

    /// <summary>
    /// SPDK <c>nvme_rdma_qpair_check_timeout</c>: outstanding commands oldest first, up to the first not yet due; one
    /// already acted on is skipped (<c>nvme_request_check_timeout</c>). A due command fails the qpair, or, for an I/O
    /// qpair with <see cref="NvmeTimeoutAction.Abort"/>, is named in an Abort the controller sends (bdev_nvme's
    /// <c>timeout_cb</c>); one the controller cannot take fails the qpair.
    /// </summary>
    private void CheckTimeout()
    {
        if (_abortFailed != 0) // a plain read on every round (see NvmeRdmaController.HasQueuedAborts)
        {
            Interlocked.Exchange(ref _abortFailed, 0);
            Fail(QpairFailureReason.Timeout); // the Abort of a timed-out command could not be sent or failed
            return;
        }

        for (var req = Resources?.Oldest; req != null && !_failRequested && _clock.NowNs >= req.DeadlineNs; req = req.Next)
        {
            if (req.TimedOut)
            {
                continue;
            }

            Timeouts++;
            Log($"command cid {req.Id} (opcode 0x{req.Opcode:x2}) timed out");
            if (IsAdmin || _options.TimeoutAction != NvmeTimeoutAction.Abort || !_ctrlr.RequestAbort(this, req.Id))
            {
                Fail(QpairFailureReason.Timeout);
                return;
            }

            req.TimedOut = true;
        }
    }
}
