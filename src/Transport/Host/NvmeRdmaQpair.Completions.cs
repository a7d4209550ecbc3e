using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// Completions (SPDK nvme_rdma_process_send_completion / _recv_completion, nvme_rdma_request_ready): a request
/// completes only when its SEND completion and its response RECV have both arrived, in either order; the response is
/// matched by CID and copied into the request, and its receive is posted again at once (while the qpair is not
/// disconnecting), as SPDK HEAD does.
/// </summary>
public sealed partial class NvmeRdmaQpair
{
    /// <summary>
    /// One work completion of this qpair. Returns the failure it implies (None when fine); the caller fails the qpair
    /// only after its whole batch (SPDK fix 4703d7c5ef).
    /// </summary>
    internal QpairFailureReason OnWorkCompletion(in WorkCompletion wc)
    {
        if (wc.Status != WcStatus.Success)
        {
            _options.Observer?.OnErrorCompletion(this, HostWrId.IsRecv(wc.WrId) ? NvmeRdmaWrType.Recv : NvmeRdmaWrType.Send, wc.Status);
        }

        if (Resources is not { } r || HostWrId.Generation(wc.WrId) != Generation)
        {
            StaleCompletions++;
            return QpairFailureReason.None; // its connection is gone; nothing of it is left to account for
        }

        var index = HostWrId.Index(wc.WrId);
        Check.That(index < r.Entries, InvariantNames.QueueIntegrity, (this, wc.WrId), s => $"{s.Item1.Name}: completion with wr_id 0x{s.WrId:x} names no slot");
        return HostWrId.IsRecv(wc.WrId) ? OnRecvCompletion(r, index, wc) : OnSendCompletion(r, index, wc);
    }

    /// <summary>Polls the admin qpair's private CQ (I/O qpairs are polled by their poll group).</summary>
    internal int PollPrivateCq(Span<WorkCompletion> wcs)
    {
        if (PrivateCq == null)
        {
            return 0;
        }

        var n = PrivateCq.Poll(wcs);
        var failure = QpairFailureReason.None;
        for (var i = 0; i < n; i++)
        {
            var f = OnWorkCompletion(wcs[i]);
            failure = failure == QpairFailureReason.None ? f : failure;
        }

        if (failure != QpairFailureReason.None)
        {
            Fail(failure);
        }

        if (n > 0)
        {
            CheckReceives();
        }

        return Math.Max(n, 0);
    }

    private QpairFailureReason OnSendCompletion(QpairResources r, int index, in WorkCompletion wc)
    {
        var req = r.Requests[index];
        Check.That(req.SendPosted && r.CurrentNumSends > 0, InvariantNames.DepthCounters, (this, index, r.CurrentNumSends),
            s => $"{s.Item1.Name}: SEND completion for cid {s.index} without a SEND outstanding (current_num_sends {s.CurrentNumSends})");
        req.SendPosted = false;
        r.CurrentNumSends--;
        if (wc.Status != WcStatus.Success)
        {
            return ErrorCompletion("SEND", wc);
        }

        req.Flags |= RdmaCompletionFlags.SendCompleted;
        if ((req.Flags & RdmaCompletionFlags.RecvCompleted) != 0)
        {
            CompleteRequest(r, req, req.Completion);
        }

        return QpairFailureReason.None;
    }

    private QpairFailureReason OnRecvCompletion(QpairResources r, int index, in WorkCompletion wc)
    {
        Check.That(r.RecvPosted[index] && r.CurrentNumRecvs > 0, InvariantNames.DepthCounters, (this, index, r.CurrentNumRecvs),
            s => $"{s.Item1.Name}: RECV completion for response {s.index} that was not posted (current_num_recvs {s.CurrentNumRecvs})");
        r.RecvPosted[index] = false;
        r.CurrentNumRecvs--;
        if (wc.Status != WcStatus.Success)
        {
            return ErrorCompletion("RECV", wc);
        }

        if (wc.ByteLen < NvmeCompletion.Size)
        {
            Log($"recv length {wc.ByteLen} less than expected response size");
            return QpairFailureReason.Remote;
        }

        // As HEAD (nvme_rdma_process_recv_completion, nvme_rdma.c:3140): the response is copied into the request and its
        // buffer goes back to the receive queue at once, whether or not the SEND completed yet.
        NvmeCompletion.TryDecode(r.Response(index), out var cpl);
        if (_state < NvmeRdmaQpairState.Exiting)
        {
            RepostRecv(r, index);
        }

        return OnResponse(r, cpl);
    }

    /// <summary>
    /// A RECV completion of the poll group's SRQ for this qpair (HEAD nvme_rdma_process_recv_completion with rqpair-&gt;srq):
    /// current_num_recvs is decremented; a failed or short receive goes back to the SRQ queue (err_wc, :3202–3206,
    /// counted again here: HEAD does not, and its counter drifts below the receives it holds), and the qpair fails; a
    /// response is copied out and its receive queued again at once (:3172–3175), whatever the qpair's state.
    /// </summary>
    internal QpairFailureReason OnSrqRecvCompletion(SrqResponses rsps, int index, in WorkCompletion wc)
    {
        rsps.Take(index, counted: true);
        if (wc.Status != WcStatus.Success)
        {
            _options.Observer?.OnErrorCompletion(this, NvmeRdmaWrType.Recv, wc.Status);
            rsps.Requeue(index, counted: true);
            return ErrorCompletion("RECV", wc);
        }

        if (wc.ByteLen < NvmeCompletion.Size)
        {
            rsps.Requeue(index, counted: true);
            Log($"recv length {wc.ByteLen} less than expected response size");
            return QpairFailureReason.Remote;
        }

        NvmeCompletion.TryDecode(rsps.Response(index), out var cpl);
        rsps.Requeue(index, counted: true);
        Check.That(Resources != null, InvariantNames.StateTransition, this, q => $"{q.Name}: SRQ response for a qpair without requests");
        return OnResponse(Resources!, cpl);
    }

    /// <summary>A response copied out of its buffer: matched to its request by CID, which completes once its SEND has too.</summary>
    private QpairFailureReason OnResponse(QpairResources r, in NvmeCompletion cpl)
    {
        if (DefectTrustsResponseCid)
        {
            return TrustResponseCid(r, cpl);
        }

        // HEAD indexes rdma_reqs by the response's CID unchecked (docs/findings/011); the fix: a CID beyond the queue, of a
        // request not in flight, or answered twice is the target breaking the protocol.
        var req = cpl.Cid < r.Entries ? r.Requests[cpl.Cid] : null;
        if (req == null || !req.Outstanding || (req.Flags & RdmaCompletionFlags.RecvCompleted) != 0)
        {
            Log($"received a response for cid {cpl.Cid}, which is not outstanding");
            return QpairFailureReason.Remote; // the target broke the protocol: the qpair goes, its commands are aborted
        }

        req.Completion = cpl;
        req.Flags |= RdmaCompletionFlags.RecvCompleted;
        if ((req.Flags & RdmaCompletionFlags.SendCompleted) != 0)
        {
            CompleteRequest(r, req, cpl);
        }

        return QpairFailureReason.None;
    }

    /// <summary>
    /// SPDK HEAD's handling (nvme_rdma_process_recv_completion, nvme_rdma.c:3164–3166), kept as
    /// <see cref="Target.KnownDefects.HostTrustsResponseCid"/>: the CID indexes the requests unchecked, so a CID beyond the
    /// queue writes outside the array (reported here as queue-integrity), and one naming a free request marks it answered.
    /// </summary>
    private QpairFailureReason TrustResponseCid(QpairResources r, in NvmeCompletion cpl)
    {
        Check.That(cpl.Cid < r.Entries, InvariantNames.QueueIntegrity, (this, cpl.Cid, r.Entries),
            s => $"{s.Item1.Name}: response for cid {s.Cid} written into rdma_reqs[{s.Cid}] of {s.Entries} (out of bounds)");
        var req = r.Requests[cpl.Cid];
        req.Completion = cpl;
        req.Flags |= RdmaCompletionFlags.RecvCompleted;
        if (req.Outstanding && (req.Flags & RdmaCompletionFlags.SendCompleted) != 0)
        {
            CompleteRequest(r, req, cpl);
        }

        return QpairFailureReason.None;
    }

    private QpairFailureReason ErrorCompletion(string kind, in WorkCompletion wc)
    {
        if (_state >= NvmeRdmaQpairState.Exiting)
        {
            return QpairFailureReason.None; // flushed while disconnecting: expected
        }

        Log($"{kind} completion error: {wc.Status.ToVerbsString()} ({(int)wc.Status})");
        return wc.Status == WcStatus.RetryExcErr ? QpairFailureReason.Remote : QpairFailureReason.Local;
    }

    /// <summary>
    /// Posts response buffer <paramref name="index"/> again: at once, as SPDK HEAD; or, as an explicit fault
    /// (<see cref="HostOptions.RecvRepostDelayNs"/>, a starved poller), after the injected delay.
    /// </summary>
    private void RepostRecv(QpairResources r, int index)
    {
        if (_options.RecvRepostDelayNs > 0)
        {
            r.DeferRecv(index, _clock.NowNs + _options.RecvRepostDelayNs);
        }
        else if (PostRecv(r, index) != Errno.Ok)
        {
            Fail(QpairFailureReason.Local);
        }
    }

    /// <summary>Posts the deferred receives that are due (owning thread, while running).</summary>
    private int PostDueRecvs()
    {
        if (Resources is not { DeferredRecvs: > 0 } r)
        {
            return 0;
        }

        var work = 0;
        for (var index = r.TakeDueRecv(_clock.NowNs); index >= 0; index = r.TakeDueRecv(_clock.NowNs))
        {
            work++;
            if (PostRecv(r, index) != Errno.Ok)
            {
                Fail(QpairFailureReason.Local);
                break;
            }
        }

        return work;
    }

    /// <summary>Completes <paramref name="req"/> exactly once: frees it and calls back (its response buffer was re-posted at its RECV completion).</summary>
    private void CompleteRequest(QpairResources r, NvmeRdmaRequest req, in NvmeCompletion cpl)
    {
        Check.That(req.Outstanding, InvariantNames.CompletesOnce, (this, req.Id), s => $"{s.Item1.Name}: cid {s.Id} completed twice");
        var callback = req.Callback;
        var context = req.Context;
        r.Put(req);
        Completed++;
        callback?.Invoke(context, cpl);
    }
}
