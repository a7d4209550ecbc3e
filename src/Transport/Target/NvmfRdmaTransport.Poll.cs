using Harness.Transport.Invariants;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary><c>nvmf_rdma_poller_poll</c>: completions dispatched on the WR type behind wr_id, then pending work.</summary>
public sealed partial class NvmfRdmaTransport
{
    /// <summary>Polls one poller once. Returns the number of completions handled (0 = idle).</summary>
    internal int PollPoller(RdmaPoller poller, Span<WorkCompletion> wcs)
    {
        poller.Polls++;
        if (poller.NeedDestroy)
        {
            DestroyAllDrained(poller);
            return 0;
        }

        Options.MeetingPoints?.At(Threading.MeetingPoint.TargetPollerCq);
        var n = poller.Cq.Poll(wcs[..Math.Min(wcs.Length, Options.CompletionsPerPollMax)]);
        Check.That(n >= 0, InvariantNames.QueueIntegrity, (poller, n), s => $"ibv_poll_cq on {s.poller} failed: {Errno.Name(-s.n)}");
        var error = false;
        for (var i = 0; i < n; i++)
        {
            error |= HandleCompletion(poller, wcs[i]);
        }

        var pending = ProcessPendingQpairs(poller);
        if (!error)
        {
            SubmitBatched(poller);
        }

        return n + pending;
    }

    /// <summary>Handles one completion; true when it was an error completion.</summary>
    private bool HandleCompletion(RdmaPoller poller, in WorkCompletion wc)
    {
        if (wc.Status != WcStatus.Success)
        {
            _observer?.OnErrorCompletion(RdmaWrId.Type(wc.WrId), wc.Status);
        }

        // SPDK's wr_id points into the qpair's (or SRQ's) resources: a completion after they were freed is a use after
        // free there. The generation-tagged id lets the port survive it; the safety net reports it instead of absorbing.
        var resources = FindResources(RdmaWrId.ResourcesId(wc.WrId));
        Check.That(resources != null, InvariantNames.ObjectLifetime, (poller, wc.WrId, wc.QpNum),
            s => $"{s.poller}: completion for wr_id 0x{s.WrId:x} (QP 0x{s.QpNum:x}) whose resources were freed with their qpair");
        if (resources == null)
        {
            return wc.Status != WcStatus.Success; // unreachable: Check.That threw (the compiler cannot know)
        }

        var index = RdmaWrId.Index(wc.WrId);
        RdmaQpair? qpair;
        switch (RdmaWrId.Type(wc.WrId))
        {
            case RdmaWrType.Send:
                qpair = resources.Reqs[index].Qpair;
                OnSendCompletion(resources.Reqs[index], wc);
                break;
            case RdmaWrType.Data:
                qpair = resources.Reqs[index].Qpair;
                OnDataCompletion(resources.Reqs[index], wc);
                break;
            default:
                qpair = OnRecvCompletion(poller, resources.Recvs[index], wc);
                break;
        }

        if (qpair == null)
        {
            return false;
        }

        if (wc.Status != WcStatus.Success)
        {
            OnErrorCompletion(qpair, resources, wc);
            return true;
        }

        if (!qpair.IsActive)
        {
            DestroyDrained(qpair);
        }

        return false;
    }

    private void OnErrorCompletion(RdmaQpair qpair, RdmaResources resources, in WorkCompletion wc)
    {
        qpair.IbvInErrorState = true;
        if (wc.Status != WcStatus.WrFlushErr)
        {
            _log.LogWcStatus(qpair, resources, wc);
        }

        if (qpair.IsActive)
        {
            DisconnectQpair(qpair);
        }
        else
        {
            DestroyDrained(qpair);
        }
    }

    /// <summary>The response SEND finished (or was flushed): the request is done whatever the status.</summary>
    private void OnSendCompletion(RdmaRequest req, in WorkCompletion wc)
    {
        var qpair = req.Qpair!;
        Check.That(req.RspPosted, InvariantNames.DepthCounters, req, r => $"SEND completion for {r}, whose response was not posted");
        Check.That(wc.Status != WcStatus.Success || req.State is RdmaRequestState.TransferringControllerToHost or RdmaRequestState.Completing,
            InvariantNames.StateTransition, req, r => $"successful SEND completion for {r}");
        req.RspPosted = false;
        qpair.CurrentSendDepth -= req.NumOutstandingDataWr + 1;
        req.NumOutstandingDataWr = 0;
        CheckDepths(qpair);
        SetState(req, RdmaRequestState.Completed);
        ProcessRequest(req);
    }

    /// <summary>A data WR finished. Only READs are signaled; WRITE errors surface through the flushed SEND.</summary>
    private void OnDataCompletion(RdmaRequest req, in WorkCompletion wc)
    {
        var qpair = req.Qpair!;
        Check.That(req.NumOutstandingDataWr > 0, InvariantNames.DepthCounters, req, r => $"DATA completion for {r} with no outstanding data WR");
        qpair.CurrentSendDepth--;
        req.NumOutstandingDataWr--;
        var isRead = req.DataWr.Wr.Opcode == WrOpcode.RdmaRead;
        if (isRead)
        {
            qpair.CurrentReadDepth--;
            req.OutstandingReads--;
        }

        CheckDepths(qpair);
        if (wc.Status == WcStatus.Success)
        {
            Check.That(isRead, InvariantNames.StateTransition, req, r => $"successful DATA completion of a non-READ for {r}");
            if (req.NumOutstandingDataWr == 0)
            {
                if (req.NumRemainingDataWr > 0)
                {
                    ResetTransferIn(req);
                    SetState(req, RdmaRequestState.DataTransferToControllerPending);
                }
                else
                {
                    SetState(req, RdmaRequestState.ReadyToExecute);
                }

                ProcessRequest(req);
            }

            return;
        }

        if (isRead && req.NumOutstandingDataWr == 0)
        {
            ReadFailed(req, qpair);
        }
        else if (!isRead && !req.RspPosted && req.NumOutstandingDataWr == 0 && !Defective(KnownDefects.TargetPostFailureReset))
        {
            // The WRITEs of a response whose SEND was never posted (a failed post): nothing else will complete it. (SPDK
            // HEAD completed the request in the bad_wr reset already, with these WRITEs on the wire.)
            SetState(req, RdmaRequestState.Completed);
            ProcessRequest(req);
        }
    }

    /// <summary>
    /// The last outstanding READ of a failed transfer is back. Fixed (SPDK 4e45c5636b): unlink from the READ queue if
    /// READs remained unposted, complete and free now. Defect: only the state is set, the request stays linked.
    /// </summary>
    private void ReadFailed(RdmaRequest req, RdmaQpair qpair)
    {
        if (Defective(KnownDefects.PendingReadQueueDoubleInsert))
        {
            SetState(req, RdmaRequestState.Completed);
            return;
        }

        if (req.NumRemainingDataWr != 0)
        {
            req.NumRemainingDataWr = 0;
            qpair.PendingRdmaReadQueue.Remove(req);
        }

        SetState(req, RdmaRequestState.Completed);
        ProcessRequest(req);
    }

    /// <summary>A receive came back: pair it later with a free request (also on error, so the capsule is accounted).</summary>
    private RdmaQpair? OnRecvCompletion(RdmaPoller poller, RdmaRecv recv, in WorkCompletion wc)
    {
        recv.Posted = false;
        var qpair = poller.Srq != null ? poller.Find(wc.QpNum) : recv.Qpair;
        if (qpair == null || qpair.Destroyed)
        {
            if (poller.Srq != null && !poller.NeedDestroy)
            {
                RepostSrqRecv(poller, recv); // unknown qpair: give the receive back to the SRQ
            }

            return null;
        }

        recv.Qpair = qpair;
        recv.ByteLen = wc.ByteLen;
        if (wc.Status == WcStatus.Success && qpair.CurrentRecvDepth >= qpair.MaxQueueDepth)
        {
            _log.Error(qpair, "more capsules received than the negotiated queue depth");
            if (poller.Srq != null && !Defective(KnownDefects.SrqRecvLost))
            {
                RepostSrqRecv(poller, recv); // the SRQ's, not the qpair's: SPDK HEAD drops it (docs/findings/004)
            }

            DisconnectQpair(qpair);
            return qpair;
        }

        qpair.CurrentRecvDepth++;
        qpair.Resources!.IncomingQueue.InsertTail(recv);
        qpair.QueueDepth++;
        return qpair;
    }

    /// <summary>Resumes a READ transfer that was posted in parts: the unposted WRs become the next transfer.</summary>
    private static void ResetTransferIn(RdmaRequest req)
    {
        req.NumOutstandingDataWr = req.NumRemainingDataWr;
        req.NumRemainingDataWr = 0;
    }
}
