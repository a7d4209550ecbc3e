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
                CompareOrder(resources.FreeQueue, free, r => true, "requests freed, the last freed first");
            }
        }

        foreach (var (group, wait) in _bufWait)
        {
            CompareBufWait(group, wait);
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
        CompareOrder(qpair.PendingIobufQueue, m.Iobuf, r => Request(r).State == RdmaRequestState.NeedBuffer,
            "requests waiting in NEED_BUFFER, in arrival order");
        if (settled)
        {
            CompareOrder(qpair.PendingRdmaReadQueue, m.Read, r => Request(r) is { } x && (x.State == RdmaRequestState.DataTransferToControllerPending ||
                (x.State == RdmaRequestState.TransferringHostToController && x.ReadsToPost > 0)),
                "writes in DATA_TRANSFER_TO_CONTROLLER_PENDING, or TRANSFERRING_HOST_TO_CONTROLLER with READs left to post, in arrival order");
        }

        CompareOrder(qpair.PendingRdmaWriteQueue, m.Write, r => Request(r).State == RdmaRequestState.DataTransferToHostPending,
            "reads in DATA_TRANSFER_TO_HOST_PENDING, in arrival order");
        CompareOrder(qpair.PendingRdmaSendQueue, m.Send, r => Request(r).State == RdmaRequestState.ReadyToCompletePending,
            "responses in READY_TO_COMPLETE_PENDING, in arrival order");
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
    /// The model's queue is <paramref name="model"/> filtered by <paramref name="member"/> (requests that left for good
    /// are dropped); the transport's is walked from its head. They must hold the same requests in the same order.
    /// </summary>
    private void CompareOrder(Stailq<RdmaRequest, StateLink> queue, ICollection<RdmaRequest> model, Func<RdmaRequest, bool> member, string rule)
    {
        if (model is List<RdmaRequest> list)
        {
            list.RemoveAll(r => !member(r));
        }

        var actual = new List<RdmaRequest>();
        var steps = 0;
        for (var r = queue.First; r != null && steps++ <= model.Count; r = Stailq<RdmaRequest, StateLink>.Next(r))
        {
            actual.Add(r);
        }

        if (!actual.SequenceEqual(model))
        {
            throw Disagree($"{queue.Id} holds [{Names(actual)}{(actual.Count > model.Count ? ", …" : string.Empty)}] but the model ({rule}) has [{Names(model)}]");
        }
    }

    private void CompareBufWait(RdmaPollGroup group, List<RdmaRequest> wait)
    {
        wait.RemoveAll(r => Request(r).State != RdmaRequestState.NeedDataWr);
        var actual = new List<RdmaRequest>();
        for (var r = group.PendingBufQueue.First; r != null && actual.Count <= wait.Count; r = Stailq<RdmaRequest, BufLink>.Next(r))
        {
            actual.Add(r);
        }

        if (!actual.SequenceEqual(wait))
        {
            throw Disagree($"{group.PendingBufQueue.Id} holds [{Names(actual)}] but the model (requests in NEED_DATA_WR, in arrival order) has [{Names(wait)}]");
        }
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
