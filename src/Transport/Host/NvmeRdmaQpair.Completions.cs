using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// Completions (SPDK nvme_rdma_process_send_completion / _recv_completion, nvme_rdma_request_ready): a request
/// completes only when its SEND completion and its response RECV have both arrived, in either order; the response is
/// matched by CID; its receive is posted again when the request completes (while the qpair is not disconnecting).
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

        NvmeCompletion.TryDecode(r.Response(index), out var cpl);
        var req = cpl.Cid < r.Entries ? r.Requests[cpl.Cid] : null;
        if (wc.ByteLen < NvmeCompletion.Size || req == null || !req.Outstanding || (req.Flags & RdmaCompletionFlags.RecvCompleted) != 0)
        {
            Log($"received a response ({wc.ByteLen} bytes) for cid {cpl.Cid}, which is not outstanding");
            return QpairFailureReason.Remote; // the target broke the protocol: the qpair goes, its commands are aborted
        }

        req.Completion = cpl;
        req.RspIndex = index;
        req.Flags |= RdmaCompletionFlags.RecvCompleted;
        if ((req.Flags & RdmaCompletionFlags.SendCompleted) != 0)
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

    /// <summary>Posts response buffer <paramref name="index"/> again, at once or after the injected delay.</summary>
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

    /// <summary>Completes <paramref name="req"/> exactly once: frees it, re-posts its response buffer, calls back.</summary>
    private void CompleteRequest(QpairResources r, NvmeRdmaRequest req, in NvmeCompletion cpl)
    {
        Check.That(req.Outstanding, InvariantNames.CompletesOnce, (this, req.Id), s => $"{s.Item1.Name}: cid {s.Id} completed twice");
        var callback = req.Callback;
        var context = req.Context;
        var rsp = req.RspIndex;
        r.Put(req);
        if (rsp >= 0 && _state < NvmeRdmaQpairState.Exiting)
        {
            RepostRecv(r, rsp);
        }

        Completed++;
        callback?.Invoke(context, cpl);
    }
}
