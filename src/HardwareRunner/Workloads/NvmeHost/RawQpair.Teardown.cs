using System.Globalization;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>Failure, disconnect and release: a connection closes only once every WR and CM event is back.</summary>
internal sealed partial class RawQpair
{
    /// <summary>
    /// Tears the connection down: <paramref name="reason"/> says why it failed (null: asked to disconnect). Safe to call
    /// any number of times; the first reason is kept. Nothing is destroyed here (a CM event may be in hand): the pollers
    /// call <see cref="ProgressTeardown"/>.
    /// </summary>
    public void Fail(string? reason)
    {
        if (State == RawQpairState.Closed)
        {
            return;
        }

        if (State != RawQpairState.TearingDown)
        {
            State = RawQpairState.TearingDown;
            FailureReason = reason;
            _teardownSinceNs = _host.Stack.Clock.NowNs;
            _host.OnQpairFailing(this, reason);
        }

        StartTeardown();
    }

    /// <summary>Closes the connection once nothing more can come back; reports a teardown that takes too long. Returns 1 when it closed.</summary>
    public int ProgressTeardown(long nowNs)
    {
        if (State != RawQpairState.TearingDown)
        {
            return 0;
        }

        var cmDone = _cmGaveUp || (!_cmPending && (!_established || (_disconnectedSeen && _timewaitSeen)));
        if (!cmDone && nowNs - _teardownSinceNs > _o.CmEventTimeoutNs)
        {
            GiveUpOnCm();
            cmDone = true;
        }

        if (cmDone && _sendOutstanding == 0 && _recvOutstanding == 0)
        {
            Close();
            return 1;
        }

        if (!_timeoutReported && nowNs - _teardownSinceNs > _o.TeardownTimeoutNs)
        {
            _timeoutReported = true;
            _host.Violation(NvmeHostInvariants.LostCompletion, string.Create(CultureInfo.InvariantCulture,
                $"{Name}: torn down {(nowNs - _teardownSinceNs) / 1e9:0.###} s ago and {_sendOutstanding} SEND(s) and {_recvOutstanding} receive(s) never came back (QP {_id?.Qp?.State.ToName() ?? "gone"}: every WR should have been flushed)"));
        }

        return 0;
    }

    /// <summary>
    /// As SPDK's host (<c>rdma_cm_event_timeout_ms</c>): an expected CM event (the outcome of a connect step, DISCONNECTED,
    /// TIMEWAIT_EXIT) that does not come within the timeout is not waited for any longer; the QP is flushed and the id
    /// destroyed anyway. Counted, because a healthy CM always delivers them.
    /// </summary>
    private void GiveUpOnCm()
    {
        _cmGaveUp = true;
        _host.OnCmEventTimeout(this, string.Create(CultureInfo.InvariantCulture,
            $"{(_cmPending ? $"no answer to the CM step of state {State}" : !_disconnectedSeen ? "no RDMA_CM_EVENT_DISCONNECTED" : "no RDMA_CM_EVENT_TIMEWAIT_EXIT")} within {_o.CmEventTimeoutNs / 1e9:0.###} s of the teardown (established {_established}, rdma_disconnect called {_disconnectCalled}); destroying the id anyway"));
        if (_id?.Qp is { } qp && !_flushRequested && !_disconnectCalled)
        {
            _flushRequested = true;
            qp.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State);
        }
    }

    /// <summary>One line for reports.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: {State}{(GaveUp ? " (gave up)" : string.Empty)}, {InFlight} in flight, SENDs {_sendOutstanding}, receives {_recvOutstanding}, reconnects {Reconnects}");

    private void StartTeardown()
    {
        if (_cmPending)
        {
            return; // the CM step in flight finishes first (OnCmStep comes back here)
        }

        if (_established && !_disconnectCalled)
        {
            _disconnectCalled = true;
            var rc = _id!.Disconnect(); // QP → ERR: every outstanding WR comes back flushed
            if (rc != Errno.Ok)
            {
                _host.Violation(NvmeHostInvariants.Protocol, $"{Name}: rdma_disconnect failed: {Errno.Name(rc)}");
            }
        }
        else if (!_established && !_flushRequested && _id?.Qp is { } qp)
        {
            // Never connected: move the QP to ERR ourselves so its posted receives flush before it is destroyed.
            _flushRequested = true;
            var rc = qp.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State);
            if (rc != Errno.Ok)
            {
                _host.Violation(NvmeHostInvariants.Protocol, $"{Name}: ibv_modify_qp(ERR) failed: {Errno.Name(rc)}");
            }
        }
    }

    /// <summary>Every command still in a slot can no longer get a response: it completes as ABORTED - SQ DELETION.</summary>
    private void Close()
    {
        for (var slot = 0; slot < Depth; slot++)
        {
            if (_slots[slot].Kind != CommandKind.None)
            {
                _slots[slot].Completion = new NvmeCompletion { Cid = Cid(slot), Sqid = Qid, Status = NvmeStatus.AbortedSqDeletion };
                if (_slots[slot].Kind == CommandKind.Io)
                {
                    _host.Counters.AbortedByDisconnect++;
                }

                Finish(slot);
            }
        }

        Release();
        State = RawQpairState.Closed;
        _host.OnQpairClosed(this);
    }

    private void Release()
    {
        if (_id != null)
        {
            if (_id.Qp != null)
            {
                _id.DestroyQp();
            }

            Released(_id.Destroy(), "rdma_destroy_id");
            _id = null;
        }

        if (_cq != null)
        {
            Released(_cq.Destroy(), "ibv_destroy_cq");
            _cq = null;
        }

        if (_msgsMr != null)
        {
            Released(_msgsMr.Dereg(), "ibv_dereg_mr");
            _msgsMr = null;
        }

        if (_msgs != null)
        {
            _host.Stack.Memory.Free(_msgs);
            _msgs = null;
        }

        _delayedCount = 0;
    }

    private void Released(int rc, string call)
    {
        if (rc != Errno.Ok)
        {
            _host.Violation(NvmeHostInvariants.ResourceLeak, $"{Name}: {call} failed: {Errno.Name(rc)} (something still uses it)");
        }
    }
}
