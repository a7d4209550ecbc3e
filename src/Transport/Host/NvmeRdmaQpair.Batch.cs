using Harness.Transport.Invariants;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// Batched submission (SPDK <c>rqpair-&gt;delay_cmd_submit</c>, <c>spdk_rdma_provider_qp_queue_send_wrs</c> /
/// <c>_queue_recv_wrs</c>, <c>nvme_rdma_qpair_submit_sends</c> / <c>_submit_recvs</c>, and the poll group's
/// <c>nvme_rdma_qpair_process_submits</c>): with <see cref="HostOptions.DelayCmdSubmit"/> an I/O qpair of a poll group
/// queues its capsule SENDs and response re-posts, counted as posted, and the group posts each list as one chain at the
/// end of its round. The admin qpair never batches (nvme_rdma_ctrlr_construct creates it with delay_cmd_submit off).
/// </summary>
public sealed partial class NvmeRdmaQpair
{
    private bool DelayCmdSubmit => PollGroup != null && _options.DelayCmdSubmit;

    private bool DefectBatchedWrsOnFailure => (_options.Defects & KnownDefects.HostBatchedWrsOnFailure) != 0;

    /// <summary>
    /// SPDK nvme_rdma_qpair_process_submits (HEAD nvme_rdma.c:3846), at the end of the poll group's round: post what
    /// the round queued. Not before the connect's INITIALIZING nor once disconnecting — which includes a qpair failed in
    /// this round, whose disconnect HEAD starts at once (nvme_rdma_fail_qpair) and the port on the next round. HEAD
    /// ignores a failed post here (the requests stay outstanding without a capsule, the receives are gone for good);
    /// the port fails the qpair, as nvme_rdma_qpair_process_completions does (docs/findings/012).
    /// </summary>
    internal int ProcessSubmits()
    {
        if (!DelayCmdSubmit || IsFreed || _failRequested || _state <= NvmeRdmaQpairState.Initializing || _state >= NvmeRdmaQpairState.Exiting)
        {
            return 0;
        }

        var queued = Resources is { } r ? r.SendsToPostCount + r.RecvsToPostCount : 0;
        var rc = SubmitSends();
        var rc2 = SubmitRecvs();
        if ((rc != Errno.Ok || rc2 != Errno.Ok) && !DefectBatchedWrsOnFailure)
        {
            Fail(QpairFailureReason.Local);
        }

        return queued > 0 ? 1 : 0;
    }

    /// <summary>
    /// What the disconnect does with the batch (HEAD nvme_rdma_qpair_disconnected, nvme_rdma.c:2498: the queued SENDs
    /// are posted so that they flush). HEAD leaves the queued receives where they are: never posted, they never complete,
    /// and current_num_recvs keeps the qpair LINGERING until the 1 s timeout. The port posts them too (they flush on the
    /// QP in error); <see cref="KnownDefects.HostBatchedWrsOnFailure"/> keeps HEAD's behaviour (docs/findings/012).
    /// </summary>
    private void FlushBatchOnDisconnect()
    {
        SubmitSends();
        if (!DefectBatchedWrsOnFailure)
        {
            SubmitRecvs();
        }
    }

    /// <summary>_nvme_rdma_qpair_submit_request's post: at once without delay_cmd_submit, else queued for the round's end.</summary>
    private int PostCapsule(IQueuePair qp, in SendWorkRequest wr)
    {
        if (!DelayCmdSubmit)
        {
            return qp.PostSend(new ReadOnlySpan<SendWorkRequest>(in wr), out _);
        }

        var r = Resources!;
        Check.That(r.SendsToPostCount < r.SendsToPost.Length, InvariantNames.DepthCounters, (this, r.SendsToPostCount),
            s => $"{s.Item1.Name}: {s.SendsToPostCount} SENDs queued already, one per request");
        r.SendsToPost[r.SendsToPostCount++] = wr;
        return Errno.Ok;
    }

    /// <summary>A response receive: queued (posted at the round's end, or by the connect right away) or posted at once.</summary>
    private int QueueOrPostRecv(QpairResources r, in RecvWorkRequest wr)
    {
        if (r.RecvsToPost.Length == 0)
        {
            return CmId!.Qp!.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in wr), out _);
        }

        Check.That(r.RecvsToPostCount < r.RecvsToPost.Length, InvariantNames.DepthCounters, (this, r.RecvsToPostCount),
            s => $"{s.Item1.Name}: {s.RecvsToPostCount} receives queued already, one per response buffer");
        r.RecvsToPost[r.RecvsToPostCount++] = wr;
        return Errno.Ok;
    }

    /// <summary>
    /// SPDK nvme_rdma_qpair_submit_sends (HEAD nvme_rdma.c:946): post the queued SENDs as one chain; from the first one
    /// not posted on, give their send accounting back (nvme_rdma_reset_failed_sends) — the requests stay outstanding.
    /// </summary>
    private int SubmitSends()
    {
        if (Resources is not { SendsToPostCount: > 0 } r)
        {
            return Errno.Ok;
        }

        var n = r.SendsToPostCount;
        r.SendsToPostCount = 0;
        var bad = 0;
        var rc = CmId?.Qp is { } qp ? qp.PostSend(r.SendsToPost.AsSpan(0, n), out bad) : Errno.ENOTCONN;
        if (rc != Errno.Ok)
        {
            Log($"Failed to post WRs on send queue, errno {Errno.Name(rc)}, bad_wr {bad} of {n}");
            for (var i = bad; i < n; i++)
            {
                r.Requests[HostWrId.Index(r.SendsToPost[i].WrId)].SendPosted = false;
                r.CurrentNumSends--;
            }
        }

        return rc;
    }

    /// <summary>
    /// SPDK nvme_rdma_qpair_submit_recvs (HEAD nvme_rdma.c:963): post the queued receives as one chain; from the first
    /// one not posted on, take them off current_num_recvs (nvme_rdma_reset_failed_recvs) — their buffers are nowhere.
    /// </summary>
    private int SubmitRecvs()
    {
        if (Resources is not { RecvsToPostCount: > 0 } r)
        {
            return Errno.Ok;
        }

        var n = r.RecvsToPostCount;
        r.RecvsToPostCount = 0;
        var bad = 0;
        var rc = CmId?.Qp is { } qp ? qp.PostRecv(r.RecvsToPost.AsSpan(0, n), out bad) : Errno.ENOTCONN;
        if (rc != Errno.Ok)
        {
            Log($"Failed to post WRs on receive queue, errno {Errno.Name(rc)}, bad_wr {bad} of {n}");
            for (var i = bad; i < n; i++)
            {
                r.RecvPosted[HostWrId.Index(r.RecvsToPost[i].WrId)] = false;
                r.CurrentNumRecvs--;
            }
        }

        return rc;
    }
}
