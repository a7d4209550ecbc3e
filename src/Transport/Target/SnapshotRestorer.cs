using System.Globalization;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target.Snapshot;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>
/// Rebuilds a core-dump snapshot inside a started <see cref="NvmfRdmaTransport"/>: each qpair gets a CM id, a QP and
/// its resources; each request its state, counters, buffers and WRs; every queue head, <c>stqh_last</c> and every
/// request's <c>state_link</c> are set to what the core held (so two lists join where they joined in the field); the
/// receives the NIC owned are posted, the QP is put in the snapshot's state and the WRs in flight are posted again
/// (to an ERR QP they flush at once, as they were about to). Bookkeeping the checker needs but C lacks (which queue
/// a request was last inserted into) is the queue its state belongs on among those that reach it.
/// </summary>
internal sealed class SnapshotRestorer
{
    /// <summary>A peer address no simulated host has: a restored connected QP talks to nobody (the host is gone).</summary>
    public static readonly System.Net.IPAddress VanishedHost = System.Net.IPAddress.Parse("192.0.2.254");

    private readonly NvmfRdmaTransport _t;
    private readonly TargetSnapshot _s;
    private readonly Dictionary<ulong, RdmaRequest> _requests = new();
    private readonly Dictionary<ulong, RdmaQpair> _qpairs = new();
    private readonly List<(QpairSnapshot Snapshot, RdmaQpair Qpair)> _restored = new();

    public SnapshotRestorer(NvmfRdmaTransport transport, TargetSnapshot snapshot)
    {
        _t = transport;
        _s = snapshot;
    }

    public void Run()
    {
        for (var g = 0; g < _s.PollGroups.Count; g++)
        {
            var group = _s.PollGroups[g];
            if (group.Pollers.Count > 1)
            {
                throw new NotSupportedException($"poll group {group.Address} has {group.Pollers.Count} pollers (devices); the simulated target has one device");
            }

            if (group.Pollers.Count == 1 && group.Pollers[0].Srq)
            {
                throw new NotSupportedException($"poller {group.Pollers[0].Address} uses an SRQ: such snapshots can be audited (harness import-core) but not yet restored");
            }

            foreach (var q in group.Pollers.SelectMany(p => p.Qpairs))
            {
                _restored.Add((q, CreateQpair(q, _t.PollGroups[g].Pollers[0])));
            }
        }

        foreach (var (snapshot, qpair) in _restored)
        {
            RestoreRequests(snapshot, qpair);
        }

        for (var g = 0; g < _s.PollGroups.Count; g++)
        {
            RestoreBufQueue(_s.PollGroups[g].PendingBufQueue, _t.PollGroups[g]);
        }

        foreach (var (snapshot, qpair) in _restored)
        {
            RestoreQueues(snapshot, qpair);
            _t.RestoreIobufWaiters(qpair);
            RestoreRecvs(snapshot, qpair);
            RestoreQp(snapshot, qpair);
        }
    }

    private RdmaQpair CreateQpair(QpairSnapshot q, RdmaPoller poller)
    {
        Require(_t.Stack.Cm.CreateId(_t.Channel, null, PortSpace.Tcp, out var id), "rdma_create_id");
        Require(id!.BindAddr(new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0)), "rdma_bind_addr");
        Check.That(q.Resources!.Depth == q.Resources.Requests.Count, InvariantNames.QueueIntegrity, q, x => $"qpair {x.Address}: resources depth {x.Resources!.Depth} but {x.Resources.Requests.Count} requests");
        var core = TargetSnapshotReader.Address(q.Address);
        var name = string.Create(CultureInfo.InvariantCulture, $"{_t.Stack.HostName}#{_t.Qpairs.Count} [core 0x{core:x}]");
        var qpair = new RdmaQpair(_t, id, q.MaxQueueDepth, q.MaxReadDepth, q.MaxSendDepth, (ushort)q.Qid, name) { CoreAddress = core };
        id.Context = qpair;
        var init = new QpInitAttr
        {
            QpContext = qpair,
            SendCq = poller.Cq,
            RecvCq = poller.Cq,
            QpType = QpType.Rc,
            Cap = new QpCap { MaxSendWr = (uint)q.MaxSendDepth, MaxRecvWr = (uint)q.MaxQueueDepth, MaxSendSge = (uint)Math.Min(_t.Options.MaxSendSge, _t.Device.MaxSge), MaxRecvSge = 2 },
        };
        Require(id.CreateQp(_t.Pd, init), "rdma_create_qp");
        qpair.Qp = id.Qp;
        qpair.MaxSendSge = (int)init.Cap.MaxSendSge;
        qpair.Poller = poller;
        qpair.Group = poller.Group; // a restored qpair lives on its poller's group thread (its disconnect goes there)
        qpair.Resources = _t.NewResources(name, q.Resources!.Depth);
        poller.Add(qpair);
        _t.AddRestoredQpair(qpair);
        _qpairs[core] = qpair;
        for (var i = 0; i < q.Resources.Requests.Count; i++)
        {
            _requests[TargetSnapshotReader.Address(q.Resources.Requests[i].Address)] = qpair.Resources.Reqs[i];
        }

        qpair.GenericState = SnapshotStateNames.QpairStates.GetValueOrDefault(q.State, NvmfQpairState.Uninitialized);
        qpair.IbvInErrorState = q.IbvInErrorState;
        qpair.ToClose = q.ToClose;
        qpair.LastWqeReached = q.LastWqeReached;
        qpair.CurrentRecvDepth = q.CurrentRecvDepth;
        qpair.CurrentReadDepth = q.CurrentReadDepth;
        qpair.CurrentSendDepth = q.CurrentSendDepth;
        qpair.QueueDepth = q.QueueDepth;
        return qpair;
    }

    private void RestoreRequests(QpairSnapshot q, RdmaQpair qpair)
    {
        foreach (var rs in q.Resources!.Requests)
        {
            var req = qpair.Resources!.Reqs[rs.Index];
            RdmaRequestStateNames.TryParse(rs.State, out var state);
            req.State = state;
            req.Qpair = qpair;
            req.Recv = rs.Recv is { } k ? qpair.Resources.Recvs[k] : null;
            req.Xfer = Xfer(rs.Xfer);
            req.Length = rs.Length;
            RestoreCommand(req, rs);
            if (HoldsBuffers(rs))
            {
                _t.RestoreBuffers(req, qpair, rs.NumWrs);
            }

            req.NumOutstandingDataWr = rs.NumOutstandingDataWr;
            req.NumRemainingDataWr = rs.NumRemainingDataWr;
            var transferringIn = state == RdmaRequestState.TransferringHostToController;
            req.OutstandingReads = transferringIn ? rs.NumOutstandingDataWr : 0;
            req.FirstUnpostedWr = transferringIn ? Math.Max(0, req.NumWrs - rs.NumRemainingDataWr) : 0;
            req.RspPosted = state is RdmaRequestState.TransferringControllerToHost or RdmaRequestState.Completing;
            req.StateNext = Find(rs.StateLinkNext, req, "state_link");
            req.StateOwner = StailqId.None;
            qpair.Executing += state == RdmaRequestState.Executing ? 1 : 0;
        }
    }

    private void RestoreCommand(RdmaRequest req, RequestSnapshot rs)
    {
        Span<byte> sqe = stackalloc byte[RdmaResources.CapsuleBytes];
        if (rs.Command != null)
        {
            Convert.FromHexString(rs.Command).CopyTo(sqe);
        }

        if (req.Recv != null)
        {
            sqe.CopyTo(req.Resources.Capsule(req.Recv.Index));
            req.Recv.ByteLen = RdmaResources.CapsuleBytes;
        }

        NvmeCommand.TryDecode(sqe, out req.Cmd);
        req.Rsp = new NvmeCompletion { Cid = req.Cmd.Cid };
    }

    /// <summary>Heads, <c>stqh_last</c> and owners of a qpair's five state_link queues.</summary>
    private void RestoreQueues(QpairSnapshot q, RdmaQpair qpair)
    {
        var queues = new List<(QueueSnapshot? Snapshot, Stailq<RdmaRequest, StateLink> Queue)>
        {
            (q.PendingIobufQueue, qpair.PendingIobufQueue), (q.PendingRdmaReadQueue, qpair.PendingRdmaReadQueue),
            (q.PendingRdmaWriteQueue, qpair.PendingRdmaWriteQueue), (q.PendingRdmaSendQueue, qpair.PendingRdmaSendQueue),
            (q.Resources!.FreeQueue, qpair.Resources!.FreeQueue),
        };
        var reachedBy = new Dictionary<RdmaRequest, List<StailqId>>();
        foreach (var (snapshot, queue) in queues)
        {
            var elements = (snapshot?.Elements ?? Array.Empty<string>()).Select(e => _requests.GetValueOrDefault(TargetSnapshotReader.Address(e))).ToList();
            queue.Restore(elements.FirstOrDefault(), snapshot?.Last == null ? null : _requests.GetValueOrDefault(TargetSnapshotReader.Address(snapshot.Last)));
            foreach (var req in elements.OfType<RdmaRequest>())
            {
                (reachedBy.TryGetValue(req, out var l) ? l : reachedBy[req] = new List<StailqId>()).Add(queue.Id);
            }
        }

        foreach (var (req, ids) in reachedBy)
        {
            var expected = TargetSnapshotAudit.ExpectedQueue(req.State.ToName(), req.NumRemainingDataWr);
            req.StateOwner = ids.FirstOrDefault(id => id.Name == expected, ids[0]);
        }
    }

    private void RestoreBufQueue(QueueSnapshot snapshot, RdmaPollGroup group)
    {
        var elements = snapshot.Elements.Select(e => _requests.GetValueOrDefault(TargetSnapshotReader.Address(e))).OfType<RdmaRequest>().ToList();
        for (var i = 0; i < elements.Count; i++)
        {
            elements[i].BufNext = i + 1 < elements.Count ? elements[i + 1] : null;
            elements[i].BufOwner = group.PendingBufQueue.Id;
        }

        group.PendingBufQueue.Restore(elements.FirstOrDefault(), elements.LastOrDefault());
    }

    /// <summary>Receives on the incoming queue wait there; those a request holds are held; every other one the NIC owns.</summary>
    private static void RestoreRecvs(QpairSnapshot q, RdmaQpair qpair)
    {
        var resources = qpair.Resources!;
        var held = resources.Reqs.Where(r => r.Recv != null).Select(r => r.Recv!).ToHashSet();
        var incoming = q.Resources!.IncomingQueue.Elements.Select(TargetSnapshotReader.Address).ToList();
        var byAddress = q.Resources.Recvs.ToDictionary(r => TargetSnapshotReader.Address(r.Address), r => resources.Recvs[r.Index]);
        var waiting = incoming.Select(a => byAddress.GetValueOrDefault(a)).OfType<RdmaRecv>().ToList();
        foreach (var recv in resources.Recvs)
        {
            recv.Qpair = qpair;
            recv.Posted = !held.Contains(recv) && !waiting.Contains(recv);
            recv.Next = null;
            recv.Owner = StailqId.None;
        }

        for (var i = 0; i < waiting.Count; i++)
        {
            waiting[i].Next = i + 1 < waiting.Count ? waiting[i + 1] : null;
            waiting[i].Owner = resources.IncomingQueue.Id;
        }

        resources.IncomingQueue.Restore(waiting.FirstOrDefault(), waiting.LastOrDefault());
    }

    /// <summary>Posts the receives the NIC owned, moves the QP to the snapshot's state, re-posts the WRs in flight.</summary>
    private void RestoreQp(QpairSnapshot q, RdmaQpair qpair)
    {
        var qp = qpair.Qp!;
        Check.That(qp.State == QpState.Init, InvariantNames.StateTransition, qpair, p => $"{p}: a restored QP starts in INIT (librdmacm's rdma_create_qp), not {p.Qp!.State.ToName()}");
        var posted = qpair.Resources!.Recvs.Where(r => r.Posted).Select(r => r.Wr).ToArray();
        Check.That(posted.Length <= qpair.MaxQueueDepth, InvariantNames.DepthCounters, qpair, p => $"{p}: more receives to post than its depth {p.MaxQueueDepth}");
        if (posted.Length > 0)
        {
            Require(qp.PostRecv(posted, out _), "ibv_post_recv");
        }

        var target = q.IbvState == null ? QpState.Init : SnapshotStateNames.IbvStates.GetValueOrDefault(q.IbvState, QpState.Rts);
        if (target == QpState.Err)
        {
            Require(qp.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State), "ibv_modify_qp(ERR)");
        }
        else if (target == QpState.Rts)
        {
            ConnectToVanishedHost(qp, qpair);
        }

        var wrs = new List<SendWorkRequest>();
        foreach (var req in qpair.Resources.Reqs)
        {
            for (var i = req.FirstUnpostedWr - req.OutstandingReads; i < req.FirstUnpostedWr && i >= 0; i++)
            {
                wrs.Add(req.Wrs[i]!.Wr);
            }

            if (req.RspPosted)
            {
                for (var i = 0; i < Math.Min(req.NumOutstandingDataWr, req.NumWrs); i++)
                {
                    wrs.Add(req.Wrs[i]!.Wr);
                }

                wrs.Add(req.RspWr);
            }
        }

        _t.SubmitRestored(qpair, wrs.ToArray());
    }

    /// <summary>RTR/RTS towards an address nobody has: sends are retried and end in RETRY_EXC_ERR, as when the host died.</summary>
    private static void ConnectToVanishedHost(IQueuePair qp, RdmaQpair qpair)
    {
        var rtr = new QpAttr
        {
            QpState = QpState.Rtr,
            PathMtu = Mtu.Mtu4096,
            DestQpNum = 1,
            RqPsn = 0,
            MaxDestRdAtomic = 0,
            MinRnrTimer = 12,
            AhAttr = new AhAttr { Dgid = Gid.FromIPv4(VanishedHost), IsGlobal = true, PortNum = 1, HopLimit = 64 },
        };
        Require(qp.Modify(rtr, QpAttrMask.State | QpAttrMask.Av | QpAttrMask.PathMtu | QpAttrMask.DestQpn | QpAttrMask.RqPsn | QpAttrMask.MaxDestRdAtomic | QpAttrMask.MinRnrTimer), "ibv_modify_qp(RTR)");
        var rts = new QpAttr { QpState = QpState.Rts, SqPsn = 0, Timeout = 14, RetryCnt = VerbsLimits.RetryCountMax, RnrRetry = VerbsLimits.RetryCountMax, MaxRdAtomic = (byte)Math.Min(255, qpair.MaxReadDepth) };
        Require(qp.Modify(rts, QpAttrMask.State | QpAttrMask.SqPsn | QpAttrMask.Timeout | QpAttrMask.RetryCnt | QpAttrMask.RnrRetry | QpAttrMask.MaxQpRdAtomic), "ibv_modify_qp(RTS)");
    }

    private RdmaRequest? Find(string? address, RdmaRequest owner, string link)
    {
        if (address == null)
        {
            return null;
        }

        if (_requests.TryGetValue(TargetSnapshotReader.Address(address), out var req))
        {
            return req;
        }

        _t.NoteRestore($"{owner}: {link} points at {address}, which is no request of this transport (restored as NULL)");
        return null;
    }

    /// <summary>True when restoring gives the request data buffers and WRs: a state that holds data, a length, a direction.</summary>
    internal static bool HoldsBuffers(RequestSnapshot rs) =>
        RdmaRequestStateNames.TryParse(rs.State, out var state) && HoldsData(state) && rs.Length > 0 &&
        Xfer(rs.Xfer) is NvmeDataTransfer.HostToController or NvmeDataTransfer.ControllerToHost;

    private static bool HoldsData(RdmaRequestState s) => s is >= RdmaRequestState.HaveBuffer and <= RdmaRequestState.Completed;

    private static NvmeDataTransfer Xfer(string name) => name switch
    {
        "SPDK_NVME_DATA_HOST_TO_CONTROLLER" => NvmeDataTransfer.HostToController,
        "SPDK_NVME_DATA_CONTROLLER_TO_HOST" => NvmeDataTransfer.ControllerToHost,
        "SPDK_NVME_DATA_BIDIRECTIONAL" => NvmeDataTransfer.Bidirectional,
        _ => NvmeDataTransfer.None,
    };

    private static void Require(int rc, string call)
    {
        if (rc != Errno.Ok)
        {
            throw new InvalidOperationException($"restoring the snapshot: {call} failed: {Errno.Name(rc)}");
        }
    }
}
