using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// Disconnecting (SPDK _nvme_rdma_ctrlr_disconnect_qpair, nvme_rdma_qpair_disconnected,
/// nvme_rdma_ctrlr_disconnect_qpair_poll, nvme_rdma_qpair_wait_until_quiet, nvme_rdma_qpair_destroy): rdma_disconnect,
/// wait (bounded) for DISCONNECTED, linger (bounded) until the shared CQ gave back every WR, abort what is left,
/// destroy — with the controller lock, so the event sweep and rdma_destroy_id are atomic against event polling.
/// </summary>
public sealed partial class NvmeRdmaQpair
{
    private long _lingerDeadlineNs;
    private bool _disconnectingWithoutLock;

    private bool DefectFreeDisconnectWithoutLock => (_options.Defects & KnownDefects.FreeIoQpairDisconnectWithoutCtrlrLock) != 0;

    /// <summary>
    /// SPDK _nvme_rdma_ctrlr_disconnect_qpair (under the controller lock). The lock keeps every other thread from
    /// draining the shared channel between rdma_disconnect and process_event_start, where the DISCONNECTED that
    /// rdma_disconnect provokes would be parked in the slot and then consumed as a leftover (docs/findings/022).
    /// </summary>
    private void StartDisconnect(CmWait callback)
    {
        SetState(NvmeRdmaQpairState.Exiting);
        if (CmId?.Qp != null && Connected && CmId.Disconnect() == Errno.Ok)
        {
            Interleave(HostInterleavingPoint.DisconnectAfterRdmaDisconnect);
            if (EventStart(CmEventType.Disconnected, callback) == Errno.Ok)
            {
                return; // DISCONNECTED (or the timeout) continues in DisconnectPoll
            }
        }

        _wait = CmWait.None;
        OnCmEventDone(callback, Errno.Ok);
    }

    /// <summary>
    /// <see cref="KnownDefects.FreeIoQpairDisconnectWithoutCtrlrLock"/>: SPDK HEAD's spdk_nvme_ctrlr_free_io_qpair
    /// (nvme_ctrlr.c:621) calls nvme_transport_ctrlr_disconnect_qpair without the controller lock, unlike every other
    /// disconnect (nvme_ctrlr_disconnect_qpair, nvme_ctrlr.c:593). So another thread may park this qpair's
    /// DISCONNECTED (or a late ADDR/ROUTE_RESOLVED) meanwhile, and a qpair that is quiet at once (still resolving, no
    /// QP yet) is destroyed unlocked. The fixed port takes the lock, as the other disconnects.
    /// </summary>
    private int DisconnectForFreeWithoutLock()
    {
        _disconnectingWithoutLock = true;
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
            _disconnectingWithoutLock = false;
        }

        ClearDisconnectRequests();
        return 1;
    }

    /// <summary>
    /// SPDK nvme_rdma_qpair_disconnected (under the controller lock): quiet → EXITED, abort, destroy; WRs still
    /// outstanding on a shared CQ (or a device removal pending) → LINGERING with a deadline.
    /// </summary>
    private int OnDisconnected(int rc)
    {
        FlushBatchOnDisconnect();
        if (rc != Errno.Ok)
        {
            Log("Target did not respond to qpair disconnect.");
        }
        else if (PollGroup != null && Resources is { } r && (NeedDestroy || !IsQuiet(r)))
        {
            _lingerDeadlineNs = _clock.NowNs + _options.LingeringTimeoutNs;
            SetState(NvmeRdmaQpairState.Lingering);
            Log($"lingering: {r.CurrentNumSends} send(s) and {r.CurrentNumRecvs} receive(s) outstanding{(NeedDestroy ? ", device removed" : string.Empty)}");
            return Errno.EAGAIN;
        }

        SetState(NvmeRdmaQpairState.Exited);
        AbortRequests(AbortDnr);
        Destroy(underLock: !_disconnectingWithoutLock);
        DisconnectDone();
        return Errno.Ok;
    }

    /// <summary>SPDK nvme_rdma_ctrlr_disconnect_qpair_poll.</summary>
    private int DisconnectPoll()
    {
        int rc;
        if (_state == NvmeRdmaQpairState.Exiting)
        {
            if (!Lock())
            {
                return 0;
            }

            try
            {
                rc = ProcessEventPoll();
            }
            finally
            {
                Unlock();
            }
        }
        else
        {
            rc = WaitUntilQuiet();
        }

        return rc == Errno.EAGAIN ? 0 : 1;
    }

    /// <summary>
    /// SPDK nvme_rdma_qpair_wait_until_quiet. Once quiet (or past the deadline) the qpair is destroyed under the
    /// controller lock (fix 4985289a62). With <see cref="Target.KnownDefects.LingeringWithoutCtrlrLock"/> it is
    /// destroyed without it, as before the fix: another thread may then park a late event for this qpair between the
    /// sweep and rdma_destroy_id, which then waits forever for its ack.
    /// </summary>
    private int WaitUntilQuiet()
    {
        var r = Resources!;
        if (_clock.NowNs < _lingerDeadlineNs && !IsQuiet(r))
        {
            return Errno.EAGAIN;
        }

        var locked = !DefectLingeringWithoutLock;
        if (locked && !Lock())
        {
            return Errno.EAGAIN;
        }

        try
        {
            SetState(NvmeRdmaQpairState.Exited);
            AbortRequests(AbortDnr);
            Destroy(underLock: locked);
        }
        finally
        {
            if (locked)
            {
                Unlock();
            }
        }

        DisconnectDone();
        return Errno.Ok;
    }

    private bool AbortDnr => Volatile.Read(ref _freeRequested) != 0 || _ctrlr.State >= ControllerState.Deleting;

    /// <summary>SPDK nvme_rdma_qpair_abort_reqs: every outstanding command completes ABORTED - SQ DELETION.</summary>
    private void AbortRequests(bool dnr)
    {
        while (Resources?.Oldest is { } req)
        {
            var cpl = new NvmeCompletion { Cid = req.Id, Sqid = Qid, Status = NvmeStatus.AbortedSqDeletion.WithDnr(dnr) };
            Aborted++;
            CompleteRequest(Resources, req, cpl);
        }
    }

    /// <summary>
    /// SPDK nvme_rdma_qpair_destroy: ack this qpair's parked CM events (slot and pending list), destroy the QP and
    /// the private CQ, release requests and buffers, and destroy the CM id last. <paramref name="underLock"/> says
    /// whether the caller holds the controller lock (always, except in the known defect).
    /// </summary>
    private void Destroy(bool underLock = true)
    {
        if (underLock)
        {
            Check.That(_ctrlr.Lock.IsHeldBy(Owner), InvariantNames.StateTransition, this,
                q => $"{q.Name}: destroyed without the controller lock ({q._ctrlr.Lock}); a concurrent event poll can park an event the destroy never acks");
        }

        Interleave(HostInterleavingPoint.QpairDestroyBeforeEventSweep);
        _ctrlr.Events.Sweep(this);
        Interleave(HostInterleavingPoint.QpairDestroyAfterEventSweep);
        if (CmId?.Qp != null)
        {
            CmId.DestroyQp();
        }

        if (SrqHeld)
        {
            PollGroup!.ReleaseSrq(this, _ctrlr.Stack.Memory); // HEAD nvme_rdma_qpair_destroy:2410, after the QP
        }

        if (PrivateCq != null)
        {
            var rc = PrivateCq.Destroy();
            Check.That(rc == Errno.Ok, InvariantNames.NoLeakOnDestroy, (this, rc), s => $"{s.Item1.Name}: ibv_destroy_cq failed: {Errno.Name(s.rc)}");
            PrivateCq = null;
        }

        if (Resources is { } r)
        {
            AbandonedWrs += r.CurrentNumSends + r.CurrentNumRecvs;
            r.Release(_ctrlr.Stack.Memory, Name);
            Resources = null;
        }

        Connected = false;
        if (CmId is { } id)
        {
            CmId = null;
            var rc = id.Destroy(); // librdmacm: blocks until every event got for the id was acked
            Check.That(rc == Errno.Ok, InvariantNames.NoLeakOnDestroy, (this, rc), s => $"{s.Item1.Name}: rdma_destroy_id failed: {Errno.Name(s.rc)}");
        }
    }

    private void DisconnectDone()
    {
        Disconnects++;
        _ctrlr.OnQpairDisconnected(this);
    }
}
