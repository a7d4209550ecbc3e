using System.Globalization;
using Harness.Sim.Fabric;
using Harness.Sim.Nic;
using Harness.Sim.Tracing;
using Harness.Transport.Nvme;
using Harness.Transport.Target;

namespace Harness.Sim.Oracle;

/// <summary>
/// A small reference model of the target's per-qpair request bookkeeping, run in lockstep with the real transport
/// (DESIGN.md "Invariants"; issue 5's model-based property). Its inputs are what is visible at the transport's edges:
/// the request state transitions it reports, and the NIC's view of the work requests it posted and the completions it
/// polled (from the simulator, not from the transport's own counters). From those it predicts, by SPDK's rules, which
/// queue each request is on and in what order (free queue: last freed first; the pending queues: arrival order, a
/// write whose READs are posted in parts staying on the READ queue until its last READ is posted), and the depth
/// counters (every posted send-queue WR until its completion is polled; unsignaled WRITEs until their response's).
/// <see cref="Check"/> compares model and transport after every simulator event and throws
/// <c>model-agreement</c> at the first difference. A qpair whose WRs were batched but not yet posted (a poll that saw
/// an error completion posts nothing) is compared at the next event.
/// </summary>
public sealed partial class TargetBookkeepingModel
{
    /// <summary>The invariant name this model reports.</summary>
    public const string InvariantName = "model-agreement";

    /// <summary>The trace site of an injected post failure (<c>FaultInjector.RecordPostError</c>).</summary>
    private const string PostErrorSite = Faults.FaultSites.PostError;

    /// <summary>Notes kept (evidence for reports).</summary>
    public const int NotesMax = 16;

    private readonly NvmfRdmaTransport _transport;
    private readonly string _node;
    private readonly Dictionary<RdmaRequest, ModelRequest> _requests = new();
    private readonly Dictionary<RdmaQpair, ModelQpair> _qpairs = new();
    private readonly Dictionary<RdmaResources, LinkedList<RdmaRequest>> _free = new();
    private readonly Dictionary<RdmaPollGroup, List<RdmaRequest>> _bufWait = new();
    private readonly Dictionary<uint, RdmaQpair> _byQpNum = new();
    private readonly Dictionary<SimCq, CqFeed> _cqs = new();
    private readonly List<string> _notes = new();

    /// <summary>Watches <paramref name="fabric"/>'s NIC records for the host <paramref name="transport"/> runs on.</summary>
    public TargetBookkeepingModel(SimFabric fabric, NvmfRdmaTransport transport, string targetHostName)
    {
        _transport = transport;
        _node = targetHostName;
        var previous = fabric.Trace.Listener;
        fabric.Trace.Listener = previous == null ? OnRecord : r => { previous(r); OnRecord(r); };
    }

    /// <summary>Comparisons made so far.</summary>
    public long Checks { get; private set; }

    /// <summary>Facts worth a report: error completions of requests that still had data WRs to post.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>The transport reports that <paramref name="request"/> entered its current state.</summary>
    public void OnTransition(RdmaRequest request)
    {
        ApplyPolled();
        var m = Request(request);
        if (request.Qpair is { Destroyed: false } owner)
        {
            Qpair(owner);
        }

        var from = m.State;
        var to = request.State;
        if (from == RdmaRequestState.TransferringHostToController && to == RdmaRequestState.Completed && m.ReadsToPost > 0)
        {
            Note(Inv($"{request.Qpair}: request #{request.Index} completed while its qpair is {(request.Qpair!.IbvInErrorState ? "in error (its QP flushing)" : "disconnecting (rdma_disconnect moved its QP to ERR: its WRs flush)")}, with {m.ReadsOutstanding} READs on the wire and {m.ReadsToPost} of its {m.TotalWrs} not yet posted (num_remaining_data_wr > 0)"));
        }

        m.State = to;
        if (from == RdmaRequestState.Free)
        {
            LeaveFree(request);
            m.StartCommand(request.Qpair);
        }

        switch (to)
        {
            case RdmaRequestState.Free:
                Free(request.Resources).AddFirst(request);
                m.Qpair = null;
                break;
            case RdmaRequestState.NeedBuffer when from == RdmaRequestState.New:
                m.TotalWrs = DataWrsOf(request);
                Qpair(request.Qpair!).Iobuf.Add(request);
                break;
            case RdmaRequestState.NeedBuffer:
                Qpair(request.Qpair!).Iobuf.Add(request);
                break;
            case RdmaRequestState.NeedDataWr:
                m.TotalWrs = request.NumWrs;
                BufWait(request.Qpair!.Poller!.Group).Add(request);
                break;
            case RdmaRequestState.DataTransferToControllerPending when from == RdmaRequestState.HaveBuffer:
                Qpair(request.Qpair!).Read.Add(request);
                break;
            case RdmaRequestState.DataTransferToHostPending:
                Qpair(request.Qpair!).Write.Add(request);
                break;
            case RdmaRequestState.ReadyToCompletePending:
                var send = Qpair(request.Qpair!).Send;
                if (from == RdmaRequestState.ReadyToCompletePending)
                {
                    send.Remove(request); // an Abort re-queues a waiting response at the tail
                }

                send.Add(request);
                break;
        }
    }

    /// <summary>The transport is destroying <paramref name="qpair"/>: its model goes (its late completions are ignored).</summary>
    public void OnDestroying(RdmaQpair qpair)
    {
        ApplyPolled();
        _qpairs.Remove(qpair);
        if (qpair.Resources is { } resources && qpair.Poller?.Srq == null)
        {
            _free.Remove(resources);
        }
    }

    /// <summary>Data WRs a transfer needs: a keyed SGL is one WR (rdma.c:nvmf_rdma_request_fill_iovs:1542), a list one per descriptor.</summary>
    private static int DataWrsOf(RdmaRequest request) =>
        request.Xfer is not NvmeDataTransfer.None && request.Cmd.Dptr.IsKeyedDataBlock ? 1 : request.NumWrs;

    private void LeaveFree(RdmaRequest request)
    {
        if (!_free.ContainsKey(request.Resources))
        {
            // First sight: the model starts from the free queue as the transport built it, which this request just left from its head.
            Free(request.Resources).AddFirst(request);
        }

        var free = Free(request.Resources);
        if (free.First?.Value != request)
        {
            throw Disagree($"{request} left the free queue but the model has {(free.First == null ? "an empty free queue" : $"request #{free.First.Value.Index}")} at its head (requests are taken from the head)");
        }

        free.RemoveFirst();
    }

    private void OnRecord(TraceRecord r)
    {
        if (!string.Equals(r.Node, _node, StringComparison.Ordinal))
        {
            return;
        }

        if (r.Kind == TraceKind.PostSend)
        {
            OnPosted(r);
        }
        else if (r.Kind == TraceKind.Fault && r.Op == PostErrorSite && FindQpair(r.Qp) is not null && RdmaWrId.Type(r.WrId) == RdmaWrType.Data &&
            FindRequest(r.WrId) is { } stopped)
        {
            // ibv_post_send failed at this request's WR: SPDK's bad_wr reset ends its transfer from the host, so it
            // posts no more READs (and leaves the READ queue) whatever is left.
            stopped.TransferStopped = true;
        }
        else if (r.Kind == TraceKind.Completion && FindQpair(r.Qp) is { Poller.Cq: SimCq cq })
        {
            var feed = Feed(cq);
            feed.Pushed.Enqueue(r);
            feed.PushedTotal++;
        }
    }

    private void OnPosted(in TraceRecord r)
    {
        if (FindQpair(r.Qp) is not { Destroyed: false } qpair || FindRequest(r.WrId) is not { } m)
        {
            return;
        }

        var mq = Qpair(qpair);
        mq.SendDepth++;
        if (RdmaWrId.Type(r.WrId) == RdmaWrType.Send)
        {
            m.RspOpen = true;
            return;
        }

        m.DataOp = r.Op;
        if (r.Op == ReadOp)
        {
            mq.ReadDepth++;
            m.ReadsPosted++;
            m.ReadsOutstanding++;
        }
        else
        {
            m.WritesOpen++;
        }
    }

    private RdmaQpair? FindQpair(uint qpNum)
    {
        if (_byQpNum.TryGetValue(qpNum, out var known))
        {
            return known;
        }

        for (var i = _transport.Qpairs.Count - 1; i >= 0; i--)
        {
            if (_transport.Qpairs[i].Qp?.QpNum == qpNum)
            {
                _byQpNum[qpNum] = _transport.Qpairs[i];
                return _transport.Qpairs[i];
            }
        }

        return null;
    }

    private ModelRequest? FindRequest(ulong wrId)
    {
        var resources = _transport.FindResources(RdmaWrId.ResourcesId(wrId));
        var index = RdmaWrId.Index(wrId);
        return resources == null || index >= resources.Reqs.Length ? null : Request(resources.Reqs[index]);
    }

    private ModelRequest Request(RdmaRequest request)
    {
        if (!_requests.TryGetValue(request, out var m))
        {
            m = new ModelRequest();
            _requests.Add(request, m);
        }

        return m;
    }

    private ModelQpair Qpair(RdmaQpair qpair)
    {
        if (!_qpairs.TryGetValue(qpair, out var m))
        {
            m = new ModelQpair();
            _qpairs.Add(qpair, m);
        }

        return m;
    }

    private LinkedList<RdmaRequest> Free(RdmaResources resources)
    {
        if (!_free.TryGetValue(resources, out var list))
        {
            list = new LinkedList<RdmaRequest>();
            for (var r = resources.FreeQueue.First; r != null; r = Stailq<RdmaRequest, StateLink>.Next(r))
            {
                list.AddLast(r);
            }

            _free.Add(resources, list);
        }

        return list;
    }

    private List<RdmaRequest> BufWait(RdmaPollGroup group)
    {
        if (!_bufWait.TryGetValue(group, out var list))
        {
            list = new List<RdmaRequest>();
            _bufWait.Add(group, list);
        }

        return list;
    }

    private CqFeed Feed(SimCq cq)
    {
        if (!_cqs.TryGetValue(cq, out var feed))
        {
            feed = new CqFeed(cq);
            _cqs.Add(cq, feed);
        }

        return feed;
    }

    private void Note(string text)
    {
        if (_notes.Count < NotesMax)
        {
            _notes.Add(text);
        }
    }

    private static Transport.Invariants.InvariantViolationException Disagree(string detail) => new(InvariantName, "model and transport disagree: " + detail);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>What the model knows of one request (for its current command).</summary>
    private sealed class ModelRequest
    {
        public RdmaRequestState State { get; set; } = RdmaRequestState.Free;

        public RdmaQpair? Qpair { get; set; }

        public int TotalWrs { get; set; }

        public int ReadsPosted { get; set; }

        public int ReadsOutstanding { get; set; }

        public int WritesOpen { get; set; }

        public bool RspOpen { get; set; }

        public string? DataOp { get; set; }

        /// <summary>A post of its WRs failed: it posts no more (the transport's bad_wr reset).</summary>
        public bool TransferStopped { get; set; }

        /// <summary>Data WRs of a H2C transfer not yet posted (and still to be).</summary>
        public int ReadsToPost => TransferStopped ? 0 : Math.Max(0, TotalWrs - ReadsPosted);

        public void StartCommand(RdmaQpair? qpair)
        {
            Qpair = qpair;
            TotalWrs = ReadsPosted = ReadsOutstanding = WritesOpen = 0;
            RspOpen = false;
            TransferStopped = false;
            DataOp = null;
        }
    }

    /// <summary>The model's view of one qpair: its depth counters and its four pending queues, in arrival order.</summary>
    private sealed class ModelQpair
    {
        public int SendDepth { get; set; }

        public int ReadDepth { get; set; }

        public List<RdmaRequest> Iobuf { get; } = new();

        public List<RdmaRequest> Read { get; } = new();

        public List<RdmaRequest> Write { get; } = new();

        public List<RdmaRequest> Send { get; } = new();
    }

    /// <summary>Completions written to one CQ, in order; those the transport has polled are applied at the next check.</summary>
    private sealed class CqFeed(SimCq cq)
    {
        public SimCq Cq => cq;

        public Queue<TraceRecord> Pushed { get; } = new();

        public long Applied { get; set; }

        public long PushedTotal { get; set; }
    }
}
