using Harness.Transport.Nvme;
using Harness.Transport.Invariants;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>Pending work, batched posting, disconnect, drain and destruction of qpairs.</summary>
public sealed partial class NvmfRdmaTransport
{
    private int ProcessPendingQpairs(RdmaPoller poller)
    {
        var work = 0;
        poller.Scratch.Clear();
        poller.Scratch.AddRange(poller.Qpairs);
        foreach (var qpair in poller.Scratch)
        {
            if (!qpair.Destroyed)
            {
                work += ProcessPending(qpair, drain: false);
            }
        }

        return work;
    }

    /// <summary>
    /// <c>nvmf_rdma_qpair_process_pending</c>: send queue, READ queue, WRITE queue, the group's data-WR queue, then new
    /// capsules. Without <paramref name="drain"/> each queue stops at the first request that cannot progress. The
    /// requests waiting for buffers are not walked (HEAD has no such walk): an iobuf put moves them on, and
    /// poll_group_remove (<see cref="RemovePendingIobuf"/>) ends those of a qpair being destroyed.
    /// </summary>
    internal int ProcessPending(RdmaQpair qpair, bool drain)
    {
        var progress = 0;
        progress += WalkQueue(qpair.PendingRdmaSendQueue.First, r => r.StateNext, drain, skipPartial: false);
        progress += WalkQueue(qpair.PendingRdmaReadQueue.First, r => r.StateNext, drain, skipPartial: !Defective(KnownDefects.PendingReadQueueDoubleInsert));
        progress += WalkQueue(qpair.PendingRdmaWriteQueue.First, r => r.StateNext, drain, skipPartial: false);
        if (qpair.Poller != null)
        {
            progress += WalkQueue(qpair.Poller.Group.PendingBufQueue.First, r => r.BufNext, drain, skipPartial: false);
        }

        return progress + PairIncoming(qpair);
    }

    /// <summary>
    /// <c>STAILQ_FOREACH_SAFE</c> over one queue: the next element is read before the current one is processed, as in C,
    /// so a corrupted link is followed exactly as SPDK would follow it.
    /// </summary>
    private int WalkQueue(RdmaRequest? first, Func<RdmaRequest, RdmaRequest?> next, bool drain, bool skipPartial)
    {
        var progress = 0;
        var steps = 0;
        for (var req = first; req != null;)
        {
            Check.That(++steps < Stailq<RdmaRequest, StateLink>.WalkStepsMax, InvariantNames.QueueIntegrity, req, r => $"pending queue walk through {r} does not end (cycle)");
            var following = next(req);
            if (skipPartial && req.State != RdmaRequestState.DataTransferToControllerPending)
            {
                req = following; // fixed: a request with READs on the wire is not touched by the drain
                continue;
            }

            if (ProcessRequest(req))
            {
                progress++;
            }
            else if (!drain)
            {
                break;
            }

            req = following;
        }

        return progress;
    }

    /// <summary>Pairs received capsules with free requests (NEW) and processes them.</summary>
    private int PairIncoming(RdmaQpair qpair)
    {
        var resources = qpair.Resources!;
        var paired = 0;
        while (!resources.IncomingQueue.IsEmpty && !resources.FreeQueue.IsEmpty)
        {
            var recv = resources.IncomingQueue.RemoveHead();
            var req = resources.FreeQueue.RemoveHead();
            req.Qpair = recv.Qpair;
            req.Recv = recv;
            req.ReceiveNs = _clock.NowNs;
            SetState(req, RdmaRequestState.New);
            ProcessRequest(req);
            paired++;
        }

        return paired;
    }

    /// <summary>Queues a send WR for the end-of-poll post (SPDK batches them per qpair).</summary>
    private void QueueSend(RdmaQpair qpair, in SendWorkRequest wr)
    {
        Check.That(qpair.SendBatchCount < qpair.SendBatch.Length, InvariantNames.DepthCounters, qpair, q => $"{q}: more WRs batched than the send depth allows");
        if (qpair.SendBatchCount == 0)
        {
            qpair.Poller!.PendingSend.InsertTail(qpair);
        }

        qpair.SendBatch[qpair.SendBatchCount++] = wr;
    }

    /// <summary>Queues a receive for re-posting at the end of the poll.</summary>
    private void QueueRecv(RdmaQpair qpair, RdmaRecv recv)
    {
        if (qpair.RecvBatchCount == 0)
        {
            qpair.Poller!.PendingRecv.InsertTail(qpair);
        }

        recv.Posted = true;
        qpair.RecvBatch[qpair.RecvBatchCount++] = recv.Wr;
    }

    private void RepostSrqRecv(RdmaPoller poller, RdmaRecv recv)
    {
        Check.That(!recv.Posted, InvariantNames.ReceiveConservation, recv, r => $"{r} is posted to the SRQ while already posted");
        recv.Posted = true;
        recv.Qpair = null;
        var rc = poller.Srq!.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in recv.Wr), out _);
        if (rc != Errno.Ok)
        {
            recv.Posted = false;
            _log.Error(null, $"ibv_post_srq_recv failed: {Errno.Name(rc)}");
            KeepFailedSrqRecv(poller, recv);
        }
    }

    /// <summary>
    /// A shared-receive-queue receive that could not be posted waits to be posted again. SPDK HEAD drops it
    /// (<see cref="KnownDefects.SrqRecvLost"/>, docs/findings/004): nothing posts it again, so the SRQ is one receive
    /// shorter for the poller's life, and after max_srq_depth such failures no capsule can arrive at all.
    /// </summary>
    private void KeepFailedSrqRecv(RdmaPoller poller, RdmaRecv recv)
    {
        if (!Defective(KnownDefects.SrqRecvLost))
        {
            poller.FailedSrqRecvs.InsertTail(recv);
        }
    }

    /// <summary>Posts again the SRQ receives whose post failed (each that fails again waits for the next poll).</summary>
    private void RepostFailedSrqRecvs(RdmaPoller poller)
    {
        var count = poller.FailedSrqRecvs.Count();
        for (var i = 0; i < count && !poller.NeedDestroy; i++)
        {
            RepostSrqRecv(poller, poller.FailedSrqRecvs.RemoveHead());
        }
    }

    /// <summary>
    /// Posts every batched WR: receives first, then sends (as SPDK's poller does). Each qpair leaves the list before its
    /// WRs are posted: undoing a failed post can queue a response on that qpair (an error completion) and so insert it
    /// again; it then goes to the tail and is flushed by this same loop. SPDK HEAD unlinks the head only after the post
    /// and its reset (<see cref="KnownDefects.TargetPostFailureReset"/>, docs/findings/002): the qpair is inserted while
    /// still linked, which the list reports (queue-integrity) where C would loop forever or lose the qpairs behind it.
    /// </summary>
    private void SubmitBatched(RdmaPoller poller)
    {
        var unlinkAfterPost = Defective(KnownDefects.TargetPostFailureReset);
        RepostFailedSrqRecvs(poller);
        while (poller.PendingRecv.First is { } qpair)
        {
            if (!unlinkAfterPost)
            {
                poller.PendingRecv.RemoveHead();
            }

            PostRecvBatch(poller, qpair);
            if (unlinkAfterPost)
            {
                poller.PendingRecv.RemoveHead();
            }
        }

        while (poller.PendingSend.First is { } qpair)
        {
            if (!unlinkAfterPost)
            {
                poller.PendingSend.RemoveHead();
            }

            PostSendBatch(qpair);
            if (unlinkAfterPost)
            {
                poller.PendingSend.RemoveHead();
            }
        }
    }

    private void PostRecvBatch(RdmaPoller poller, RdmaQpair qpair)
    {
        var batch = qpair.RecvBatch.AsSpan(0, qpair.RecvBatchCount);
        qpair.RecvBatchCount = 0;
        if (batch.IsEmpty || qpair.Destroyed)
        {
            return;
        }

        var rc = poller.Srq != null ? poller.Srq.PostRecv(batch, out var bad) : qpair.Qp!.PostRecv(batch, out bad);
        if (rc != Errno.Ok)
        {
            for (var i = bad; i < batch.Length; i++)
            {
                var recv = qpair.Resources!.Recvs[RdmaWrId.Index(batch[i].WrId)];
                recv.Posted = false;
                qpair.CurrentRecvDepth++;
                if (poller.Srq != null)
                {
                    KeepFailedSrqRecv(poller, recv);
                }
            }

            _log.Error(qpair, $"ibv_post_recv failed: {Errno.Name(rc)}");
            DisconnectQpair(qpair);
        }
    }

    private void PostSendBatch(RdmaQpair qpair)
    {
        var batch = qpair.SendBatch.AsSpan(0, qpair.SendBatchCount);
        qpair.SendBatchCount = 0;
        if (batch.IsEmpty || qpair.Destroyed)
        {
            return;
        }

        var rc = qpair.Qp!.PostSend(batch, out var bad);
        if (rc != Errno.Ok)
        {
            ResetFailedSends(qpair, batch[bad..]);
            _log.Error(qpair, $"ibv_post_send failed: {Errno.Name(rc)}");
            if (bad > 0 && !Defective(KnownDefects.TargetPostFailureReset))
            {
                // The fix of docs/findings/002 settles a request whose WRs before bad_wr are on the wire by their
                // completions. Unsignaled WRITEs report only when flushed, and the disconnect's rdma_disconnect waits for
                // the qpair's executing commands (nvmf.c:1723): the QP goes to ERR now, so they flush.
                qpair.IbvInErrorState = true;
                qpair.Qp.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State);
            }

            DisconnectQpair(qpair);
        }
    }

    /// <summary>
    /// <c>_qp_reset_failed_sends</c>: undo the accounting of the WRs from <c>bad_wr</c> on (they never reached the NIC),
    /// then settle each request they belonged to. The WRs before <c>bad_wr</c> are on the wire and will complete (the
    /// qpair is disconnected next, so they flush): a request with some of them outstanding is settled by their
    /// completions, not now, or it would be freed (or answered) with WRs still on the wire.
    /// </summary>
    private void ResetFailedSends(RdmaQpair qpair, ReadOnlySpan<SendWorkRequest> failed)
    {
        if (Defective(KnownDefects.TargetPostFailureReset))
        {
            ResetFailedSendsAsHead(qpair, failed);
            return;
        }

        foreach (ref readonly var wr in failed)
        {
            UndoFailedSend(qpair, wr);
        }

        CheckDepths(qpair);

        // Settling a request may queue its error response, which reuses the batch array the failed WRs are read from:
        // take the requests first. A request's WRs are contiguous in the batch, so comparing with the last one is enough.
        var requests = qpair.Poller!.FailedRequests;
        requests.Clear();
        foreach (ref readonly var wr in failed)
        {
            var req = qpair.Resources!.Reqs[RdmaWrId.Index(wr.WrId)];
            if (requests.Count == 0 || requests[^1] != req)
            {
                requests.Add(req);
            }
        }

        for (var i = 0; i < requests.Count; i++)
        {
            FailUnsent(requests[i], qpair);
        }

        requests.Clear();
    }

    /// <summary>Takes one WR the failed ibv_post_send did not post off the depth counters; returns its request.</summary>
    private static RdmaRequest UndoFailedSend(RdmaQpair qpair, in SendWorkRequest wr)
    {
        var req = qpair.Resources!.Reqs[RdmaWrId.Index(wr.WrId)];
        qpair.CurrentSendDepth--;
        if (wr.Opcode == WrOpcode.RdmaRead)
        {
            qpair.CurrentReadDepth--;
            req.OutstandingReads--;
            req.NumOutstandingDataWr--;
        }
        else if (RdmaWrId.Type(wr.WrId) == RdmaWrType.Send)
        {
            req.RspPosted = false;
        }
        else
        {
            req.NumOutstandingDataWr--;
        }

        return req;
    }

    /// <summary>
    /// SPDK HEAD's <c>_qp_reset_failed_sends</c> (<see cref="KnownDefects.TargetPostFailureReset"/>, docs/findings/002):
    /// each request is settled at its first failed WR, whatever else is on the wire or whichever queue it is in: a write
    /// is answered INTERNAL_DEVICE_ERROR (still on the READ queue if READs were to come, with its first READs out), a
    /// response whose post failed completes the request at once (with its first WRITEs out).
    /// </summary>
    private void ResetFailedSendsAsHead(RdmaQpair qpair, ReadOnlySpan<SendWorkRequest> failed)
    {
        RdmaRequest? previous = null;
        foreach (ref readonly var wr in failed)
        {
            var req = UndoFailedSend(qpair, wr);

            if (req == previous)
            {
                continue; // each request's WRs are contiguous: settled at its first one
            }

            previous = req;
            if (req.State == RdmaRequestState.TransferringHostToController)
            {
                CompleteWithStatus(req, qpair, NvmeStatus.InternalDeviceError);
            }
            else if (req.State is RdmaRequestState.TransferringControllerToHost or RdmaRequestState.Completing)
            {
                SetState(req, RdmaRequestState.Completed);
            }

            ProcessRequest(req);
        }
    }

    /// <summary>
    /// A request some of whose WRs were not posted. A transfer from the host stops: out of the READ queue if READs were
    /// still to come (as SPDK 4e45c5636b does on a READ error), answered INTERNAL_DEVICE_ERROR when none of its READs is
    /// on the wire. A response that was not posted completes the request when none of its WRITEs is on the wire.
    /// Otherwise the request waits for the completions of the WRs that were posted.
    /// </summary>
    private void FailUnsent(RdmaRequest req, RdmaQpair qpair)
    {
        if (req.State == RdmaRequestState.TransferringHostToController)
        {
            if (req.NumRemainingDataWr != 0)
            {
                req.NumRemainingDataWr = 0;
                qpair.PendingRdmaReadQueue.Remove(req);
            }

            if (req.NumOutstandingDataWr == 0)
            {
                CompleteWithStatus(req, qpair, NvmeStatus.InternalDeviceError);
                ProcessRequest(req);
            }
        }
        else if (req.State is RdmaRequestState.TransferringControllerToHost or RdmaRequestState.Completing && !req.RspPosted && req.NumOutstandingDataWr == 0)
        {
            SetState(req, RdmaRequestState.Completed);
            ProcessRequest(req);
        }
    }

    private static readonly ThreadMessageFn QpairDisconnectMsg = static ctx => ((RdmaQpair)ctx!).Transport.OnDisconnectMessage((RdmaQpair)ctx);

    /// <summary>
    /// <c>spdk_nvmf_qpair_disconnect</c> (nvmf.c:1681): once only (<c>disconnect_started</c>). An UNINITIALIZED qpair is
    /// closed by the transport at once (nvmf.c:1691). From another thread the request travels to the qpair's group
    /// thread by message (<c>_nvmf_qpair_disconnect_msg</c>, nvmf.c:1672). There: DEACTIVATING, the controller layer is
    /// told, and the qpair is destroyed as soon as no command of it is executing (<c>_nvmf_qpair_destroy</c>, at once or
    /// from the completion of its last outstanding command).
    /// </summary>
    internal void DisconnectQpair(RdmaQpair qpair)
    {
        Check.That(!qpair.Freed, InvariantNames.ObjectLifetime, qpair, q => $"{q}: spdk_nvmf_qpair_disconnect on a qpair already freed (nvmf_rdma_qpair_destroy)");
        if (qpair.DisconnectStarted)
        {
            return;
        }

        if (qpair.GenericState == NvmfQpairState.Uninitialized && !qpair.HandOffQueued)
        {
            qpair.DisconnectStarted = true;
            CloseQpair(qpair);
            return;
        }

        if (!OnThreadOf(qpair.Group))
        {
            // The message names the qpair: counted, so the qpair is not destroyed under it (docs/findings/013; HEAD has
            // no such guard: --defect disconnect-message-after-destroy).
            qpair.MessageQueued();
            qpair.Group!.Thread!.SendMessage(QpairDisconnectMsg, qpair);
            return;
        }

        Check.That(qpair.GenericState != NvmfQpairState.Uninitialized, InvariantNames.StateTransition, qpair, q => $"{q}: disconnect on its thread in state {q.GenericState}");
        qpair.DisconnectStarted = true;
        if (qpair.IsActive)
        {
            qpair.SetGenericState(NvmfQpairState.Deactivating);
        }

        _handler.OnQpairDisconnect(qpair);
        if (qpair.GenericState == NvmfQpairState.Error)
        {
            CloseQpair(qpair); // restored from a core taken past _nvmf_qpair_destroy: the transport's close is next
            _handler.OnQpairFiniComplete(qpair);
            return;
        }

        if (qpair.Executing > 0)
        {
            qpair.DestroyAwaitsOutstanding = true; // SPDK's state_cb: the last outstanding command's completion goes on
            return;
        }

        DestroyGeneric(qpair);
    }

    /// <summary><c>_nvmf_qpair_disconnect_msg</c> (nvmf.c:1672), on the qpair's group thread.</summary>
    private void OnDisconnectMessage(RdmaQpair qpair)
    {
        var previous = EnterGroup(qpair.Group!);
        try
        {
            qpair.MessageRan();
            Check.That(!qpair.Freed, InvariantNames.ObjectLifetime, qpair,
                q => $"{q}: a disconnect message ran after the qpair was freed (nvmf.c:_nvmf_qpair_disconnect_msg on a destroyed qpair: use after free)");
            DisconnectQpair(qpair);
            if (qpair.ToClose)
            {
                DestroyDrained(qpair); // its destroy may have waited for this message
            }
        }
        finally
        {
            LeaveGroup(previous);
        }
    }

    /// <summary>
    /// <c>_nvmf_qpair_destroy</c> (nvmf.c:1628) once nothing is outstanding: the group's counts,
    /// <c>spdk_nvmf_poll_group_remove</c> (ERROR), the transport's close, then the fini callback that tells the controller
    /// (<c>_nvmf_transport_qpair_fini_complete</c>, nvmf.c:1563): only now is the qpair's QID free again.
    /// </summary>
    private void DestroyGeneric(RdmaQpair qpair)
    {
        Check.That(qpair.GenericState == NvmfQpairState.Deactivating && qpair.Executing == 0, InvariantNames.StateTransition, qpair,
            q => $"{q}: _nvmf_qpair_destroy in state {q.GenericState} with {q.Executing} executing");
        qpair.DestroyAwaitsOutstanding = false;
        LeaveGroupCounts(qpair);
        qpair.SetGenericState(NvmfQpairState.Error);
        RemovePendingIobuf(qpair); // spdk_nvmf_poll_group_remove → nvmf_rdma_poll_group_remove (nvmf.c:1603, rdma.c:4234)
        CloseQpair(qpair);
        _handler.OnQpairFiniComplete(qpair); // nvmf_rdma_close_qpair calls the fini callback last (rdma.c:4386)
    }

    /// <summary>
    /// <c>nvmf_rdma_close_qpair</c> (rdma.c:4370): to_close, reject a connection never accepted, rdma_disconnect (the QP
    /// goes to ERR: every outstanding WR is flushed back), and destroy once drained.
    /// </summary>
    private void CloseQpair(RdmaQpair qpair)
    {
        qpair.ToClose = true;
        if (qpair.GenericState == NvmfQpairState.Uninitialized && !qpair.CmIdDestroyed)
        {
            Reject(qpair.CmId, RdmaTransportError.NoResources);
        }

        if (qpair.Qp != null)
        {
            qpair.CmId.Disconnect();
        }

        DestroyDrained(qpair);
    }

    /// <summary>
    /// <c>nvmf_rdma_destroy_drained_qpair</c> (rdma.c:3242): drain pending work; destroy once every WR is back (send
    /// depth 0, every receive returned or, with an SRQ, the last WQE reached) and no message naming the qpair waits.
    /// </summary>
    internal void DestroyDrained(RdmaQpair qpair)
    {
        if (qpair.Destroyed)
        {
            return;
        }

        if (qpair.Poller != null)
        {
            ProcessPending(qpair, drain: true);
        }

        if (!qpair.ToClose || Pinned(qpair))
        {
            return;
        }

        if (qpair.Poller == null)
        {
            // Never initialized (or its initialization failed): nothing can drain. HEAD waits for its receive count to
            // reach the queue depth, which never happens, and keeps it for ever (docs/findings/014).
            if (!Defective(KnownDefects.QpairInitFailureLeak))
            {
                DestroyQpair(qpair);
            }

            return;
        }

        // In the SRQ path the receives are not the qpair's to count: it waits for LAST_WQE_REACHED instead, on devices
        // that raise it (SPDK's nvmf_rdma_device_supports_last_wqe_reached: not rxe, not iWARP).
        var drained = qpair.Poller.NeedDestroy ||
            (qpair.CurrentSendDepth == 0 && qpair.Executing == 0 &&
             (qpair.Poller.Srq == null ? qpair.CurrentRecvDepth == qpair.MaxQueueDepth : qpair.LastWqeReached || !SupportsLastWqeReached));
        if (drained)
        {
            DestroyQpair(qpair);
        }
    }

    /// <summary>
    /// A message naming the qpair is queued to its thread: destroying it now would leave the message a freed qpair. The
    /// hand-off always pins it (HEAD's close of an UNINITIALIZED qpair never destroys it); a disconnect message pins it
    /// in the port's fix of docs/findings/013 only.
    /// </summary>
    private bool Pinned(RdmaQpair qpair) =>
        qpair.HandOffQueued || (qpair.MessagesQueued > 0 && !Defective(KnownDefects.DisconnectMessageAfterDestroy));

    /// <summary>
    /// The poller's device is gone (<c>need_destroy</c>): <c>nvmf_rdma_poller_poll</c> (rdma.c:4596) polls no CQ any
    /// more and runs <c>nvmf_rdma_destroy_drained_qpair</c> on each qpair, which destroys the ones already closed
    /// (<c>to_close</c>) at once, drained or not. A qpair still open is left to the generic layer, which closes it only
    /// when none of its commands is executing (<c>_nvmf_qpair_destroy</c>). HEAD waits for each qpair's
    /// RDMA_CM_EVENT_DEVICE_REMOVAL to disconnect it; the port also starts the disconnect of a qpair not yet
    /// disconnecting, so no qpair depends on an event a removed device may not deliver. (The port used to set
    /// <c>to_close</c> itself and destroy every qpair here: one with commands still executing in the block layer was freed
    /// under them, caught by no-leak-on-destroy at sweep seed 20528, --io-size 131072; a port bug, HEAD never forces
    /// to_close.)
    /// </summary>
    private void DestroyAllDrained(RdmaPoller poller)
    {
        poller.Scratch.Clear();
        poller.Scratch.AddRange(poller.Qpairs);
        foreach (var qpair in poller.Scratch)
        {
            if (!qpair.DisconnectStarted)
            {
                DisconnectQpair(qpair); // closes it now, or once its last executing command completes
            }

            if (!qpair.Destroyed)
            {
                DestroyDrained(qpair); // HEAD: returns unless to_close
            }
        }
    }

    /// <summary>Updates the always-on depth checks of a qpair (counters never negative nor above their maxima).</summary>
    private static void CheckDepths(RdmaQpair q)
    {
        Check.That(q.CurrentSendDepth >= 0, InvariantNames.DepthCounters, q, x => $"{x}: current_send_depth {x.CurrentSendDepth} < 0");
        Check.That(q.CurrentSendDepth <= q.MaxSendDepth, InvariantNames.DepthCounters, q, x => $"{x}: current_send_depth {x.CurrentSendDepth} > max {x.MaxSendDepth}");
        Check.That(q.CurrentReadDepth >= 0, InvariantNames.DepthCounters, q, x => $"{x}: current_read_depth {x.CurrentReadDepth} < 0");
        Check.That(q.CurrentReadDepth <= q.MaxReadDepth, InvariantNames.DepthCounters, q, x => $"{x}: current_read_depth {x.CurrentReadDepth} > max {x.MaxReadDepth}");
    }
}
