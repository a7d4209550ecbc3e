using Harness.Sim.Tracing;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Sim.Oracle;

/// <summary>Applying polled completions and comparing the model with the transport.</summary>
public sealed partial class TargetBookkeepingModel
{
    private const string ReadOp = "RDMA_READ";

    /// <summary>
    /// Applies the completions the transport has polled since the last check, then compares every live qpair's queues
    /// (members and order) and, unless WRs wait in its batch, its depth counters. Throws <c>model-agreement</c>.
    /// </summary>
    public void Check()
    {
        Checks++;
        ApplyPolled();

        for (var i = 0; i < _transport.Qpairs.Count; i++)
        {
            var qpair = _transport.Qpairs[i];
            if (!qpair.Destroyed && qpair.Resources != null && _qpairs.TryGetValue(qpair, out var m))
            {
                CheckQpair(qpair, m, settled: qpair.SendBatchCount == 0);
            }
        }

        foreach (var (resources, free) in _free)
        {
            if (IsLive(resources))
            {
                CompareFree(resources, free);
            }
        }

        foreach (var (group, wait) in _bufWait)
        {
            if (wait.Count > 0 || !group.PendingBufQueue.IsEmpty)
            {
                CompareBufWait(group, wait);
            }
        }
    }

    /// <summary>
    /// Applies every completion the transport has taken from its CQs so far. Called at each check, and also when the
    /// transport reports a transition or destroys a qpair, so that effects are seen in the state they met (one poll
    /// may handle an error, drain and destroy its qpair).
    /// </summary>
    private void ApplyPolled()
    {
        foreach (var feed in _cqs.Values)
        {
            ApplyPolled(feed);
        }
    }

    private void ApplyPolled(CqFeed feed)
    {
        if (feed.Cq.Lost > 0)
        {
            feed.Pushed.Clear(); // after an overrun the CQ is broken (async CQ_ERR); its completions no longer say anything
            return;
        }

        var polled = feed.PushedTotal - feed.Cq.Count;
        while (feed.Applied < polled && feed.Pushed.TryDequeue(out var r))
        {
            feed.Applied++;
            Apply(r);
        }
    }

    /// <summary>One completion the transport polled: it releases send-queue (and READ) depth as SPDK counts it.</summary>
    private void Apply(in TraceRecord r)
    {
        var type = RdmaWrId.Type(r.WrId);
        if (type == RdmaWrType.Recv || FindQpair(r.Qp) is not { } qpair || !_qpairs.TryGetValue(qpair, out var mq) || FindRequest(r.WrId) is not { } m)
        {
            return;
        }

        var failed = r.Status != WcStatus.Success.ToIbvName();
        if (type == RdmaWrType.Send)
        {
            mq.SendDepth -= 1 + m.WritesOpen;
            m.WritesOpen = 0;
            m.RspOpen = false;
            return;
        }

        mq.SendDepth--;
        if (m.DataOp != ReadOp)
        {
            m.WritesOpen--;
            return;
        }

        mq.ReadDepth--;
        m.ReadsOutstanding--;
        if (failed && m.ReadsToPost > 0)
        {
            Note(Inv($"{qpair}: request #{RdmaWrId.Index(r.WrId)}: an RDMA READ completed {r.Status} while {m.ReadsToPost} of its {m.TotalWrs} READs were not yet posted (num_remaining_data_wr > 0)"));
        }
    }

    private void CheckQpair(RdmaQpair qpair, ModelQpair m, bool settled)
    {
        CompareOrder(qpair.PendingIobufQueue, m.Iobuf, static x => x.State == RdmaRequestState.NeedBuffer, "requests waiting in NEED_BUFFER, in arrival order");
        if (settled)
        {
            CompareOrder(qpair.PendingRdmaReadQueue, m.Read, static x => x.State == RdmaRequestState.DataTransferToControllerPending ||
                (x.State == RdmaRequestState.TransferringHostToController && x.ReadsToPost > 0),
                "writes in DATA_TRANSFER_TO_CONTROLLER_PENDING, or TRANSFERRING_HOST_TO_CONTROLLER with READs left to post, in arrival order");
        }

        CompareOrder(qpair.PendingRdmaWriteQueue, m.Write, static x => x.State == RdmaRequestState.DataTransferToHostPending, "reads in DATA_TRANSFER_TO_HOST_PENDING, in arrival order");
        CompareOrder(qpair.PendingRdmaSendQueue, m.Send, static x => x.State == RdmaRequestState.ReadyToCompletePending, "responses in READY_TO_COMPLETE_PENDING, in arrival order");
        if (!settled)
        {
            return;
        }

        if (qpair.CurrentSendDepth != m.SendDepth)
        {
            throw Disagree(Inv($"{qpair}: current_send_depth is {qpair.CurrentSendDepth}, but {m.SendDepth} send-queue WRs are posted and not completed (as the NIC saw them)"));
        }

        if (qpair.CurrentReadDepth != m.ReadDepth)
        {
            throw Disagree(Inv($"{qpair}: current_read_depth is {qpair.CurrentReadDepth}, but {m.ReadDepth} RDMA READs are posted and not completed (as the NIC saw them)"));
        }
    }

    /// <summary>
    /// The model's queue is <paramref name="model"/> less the requests <paramref name="member"/> says have left (they
    /// leave for good); the transport's is walked from its head. Same requests, same order. No allocation unless they differ.
    /// </summary>
    private void CompareOrder(Stailq<RdmaRequest, StateLink> queue, List<RdmaRequest> model, Func<ModelRequest, bool> member, string rule)
    {
        var kept = 0;
        for (var i = 0; i < model.Count; i++)
        {
            if (member(Request(model[i])))
            {
                model[kept++] = model[i];
            }
        }

        model.RemoveRange(kept, model.Count - kept);
        var r = queue.First;
        var n = 0;
        for (; r != null && n < model.Count && r == model[n]; r = Stailq<RdmaRequest, StateLink>.Next(r))
        {
            n++;
        }

        if (r != null || n != model.Count)
        {
            throw Disagree($"{queue.Id} holds [{Names(Walk(queue.First, Stailq<RdmaRequest, StateLink>.Next, model.Count + 1))}] but the model ({rule}) has [{Names(model)}]");
        }
    }

    private void CompareFree(RdmaResources resources, LinkedList<RdmaRequest> model)
    {
        var r = resources.FreeQueue.First;
        var node = model.First;
        for (; r != null && node != null && r == node.Value; r = Stailq<RdmaRequest, StateLink>.Next(r))
        {
            node = node.Next;
        }

        if (r != null || node != null)
        {
            throw Disagree($"{resources.FreeQueue.Id} holds [{Names(Walk(resources.FreeQueue.First, Stailq<RdmaRequest, StateLink>.Next, model.Count + 1))}] but the model (requests freed, the last freed first) has [{Names(model)}]");
        }
    }

    private void CompareBufWait(RdmaPollGroup group, List<RdmaRequest> wait)
    {
        wait.RemoveAll(r => Request(r).State != RdmaRequestState.NeedDataWr);
        var r = group.PendingBufQueue.First;
        var n = 0;
        for (; r != null && n < wait.Count && r == wait[n]; r = Stailq<RdmaRequest, BufLink>.Next(r))
        {
            n++;
        }

        if (r != null || n != wait.Count)
        {
            throw Disagree($"{group.PendingBufQueue.Id} holds [{Names(Walk(group.PendingBufQueue.First, Stailq<RdmaRequest, BufLink>.Next, wait.Count + 1))}] but the model (requests in NEED_DATA_WR, in arrival order) has [{Names(wait)}]");
        }
    }

    /// <summary>At most <paramref name="max"/> elements from <paramref name="first"/> (a corrupted list may not end).</summary>
    private static List<RdmaRequest> Walk(RdmaRequest? first, Func<RdmaRequest, RdmaRequest?> next, int max)
    {
        var list = new List<RdmaRequest>();
        for (var r = first; r != null && list.Count < max; r = next(r))
        {
            list.Add(r);
        }

        return list;
    }

    /// <summary>Resources of a live qpair (or a poller's SRQ resources, which live as long as the transport).</summary>
    private bool IsLive(RdmaResources resources)
    {
        for (var i = 0; i < _transport.Qpairs.Count; i++)
        {
            var q = _transport.Qpairs[i];
            if (q.Resources == resources)
            {
                return !q.Destroyed || q.Poller?.Srq != null;
            }
        }

        return false;
    }

    private static string Names(IEnumerable<RdmaRequest> requests) =>
        string.Join(", ", requests.Select(r => Inv($"#{r.Index} ({r.State.ToName()})")));
}
