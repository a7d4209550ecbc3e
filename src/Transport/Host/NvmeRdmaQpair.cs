using Harness.Transport.Invariants;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// A host NVMe-oF RDMA qpair, modelled on SPDK's <c>struct nvme_rdma_qpair</c> and the functions of
/// <c>lib/nvme/nvme_rdma.c</c> that drive it. The admin qpair (qid 0) is driven by the controller's admin poller and
/// has a private CQ; an I/O qpair belongs to one <see cref="NvmeRdmaPollGroup"/> (one reactor, one shared CQ), and only
/// that reactor touches it. Other threads ask for a connect, disconnect or free with flags the owner acts on.
/// </summary>
public sealed partial class NvmeRdmaQpair
{
    /// <summary>State transitions remembered for diagnostics and tests.</summary>
    public const int StateHistoryMax = 256;

    private readonly NvmeRdmaController _ctrlr;
    private readonly HostOptions _options;
    private readonly IClock _clock;
    private readonly List<NvmeRdmaQpairState> _history = new();
    private volatile NvmeRdmaQpairState _state;
    private CmEvent? _evt;
    private int _connectRequested;
    private int _disconnectRequested;
    private int _freeRequested;
    private bool _failRequested;

    internal NvmeRdmaQpair(NvmeRdmaController ctrlr, ushort qid, int queueSize, NvmeRdmaPollGroup? group)
    {
        _ctrlr = ctrlr;
        _options = ctrlr.Options;
        _clock = ctrlr.Clock;
        Qid = qid;
        NumEntries = queueSize - 1; // one slot stays empty (SPDK: num_entries = qsize - 1)
        PollGroup = group;
        Owner = (object?)group ?? ctrlr.AdminOwner;
        Name = $"{ctrlr.Name} qid {qid}";
        _history.Add(NvmeRdmaQpairState.Invalid);
    }

    /// <summary>Queue id (0 = admin).</summary>
    public ushort Qid { get; }

    /// <summary>Commands that may be outstanding at once (queue size − 1).</summary>
    public int NumEntries { get; }

    /// <summary>Qpair name for logs and messages: host, target, qid.</summary>
    public string Name { get; }

    public NvmeRdmaController Controller => _ctrlr;

    /// <summary>The poll group of an I/O qpair; null for the admin qpair.</summary>
    public NvmeRdmaPollGroup? PollGroup { get; }

    /// <summary>Current state (written only by the owning thread).</summary>
    public NvmeRdmaQpairState State => _state;

    /// <summary>States entered so far, oldest first (at most <see cref="StateHistoryMax"/>).</summary>
    public IReadOnlyList<NvmeRdmaQpairState> StateHistory => _history;

    /// <summary>Why the qpair failed last (None while healthy).</summary>
    public QpairFailureReason FailureReason { get; private set; }

    /// <summary>True once the qpair was freed (removed from its poll group and the controller).</summary>
    public bool IsFreed { get; private set; }

    /// <summary>Commands submitted and not yet completed.</summary>
    public int Outstanding => Resources?.OutstandingCount ?? 0;

    /// <summary>SPDK <c>current_num_sends</c>: SEND WRs posted and not completed.</summary>
    public int CurrentNumSends => Resources?.CurrentNumSends ?? 0;

    /// <summary>SPDK <c>rsps-&gt;current_num_recvs</c>: RECV WRs posted and not completed.</summary>
    public int CurrentNumRecvs => Resources?.CurrentNumRecvs ?? 0;

    /// <summary>The queue depth the target granted in its accept private data (CRQSIZE).</summary>
    public int TargetQueueDepth { get; private set; }

    public long Submitted { get; private set; }

    public long Completed { get; private set; }

    public long Aborted { get; private set; }

    public long Timeouts { get; private set; }

    /// <summary>Completions that arrived after their connection was gone (skipped).</summary>
    public long StaleCompletions { get; private set; }

    /// <summary>WRs still outstanding when the qpair was destroyed (lingering deadline passed).</summary>
    public long AbandonedWrs { get; private set; }

    /// <summary>CM events this qpair consumed (and acked).</summary>
    public long CmEventsConsumed { get; private set; }

    /// <summary>Completed disconnects.</summary>
    public int Disconnects { get; private set; }

    /// <summary>Connects started (each creates a new CM id); a supervisor compares it to see its reconnect was tried.</summary>
    public int ConnectAttempts { get; private set; }

    /// <summary>Connects that reached RUNNING.</summary>
    public int Connects { get; private set; }

    /// <summary>Waits for an expected CM event that ended at the CM event timeout (the peer never answered).</summary>
    public int CmEventTimeouts { get; private set; }

    /// <summary>The logical thread that owns the qpair: its poll group, or the controller's admin poller.</summary>
    internal object Owner { get; }

    /// <summary>Serial of the qpair in its poll group (wr ids); 0 for the admin qpair.</summary>
    internal int Serial { get; set; }

    /// <summary>Connection generation (wr ids): completions of an earlier connection are stale.</summary>
    internal byte Generation { get; private set; }

    /// <summary>SPDK <c>rqpair-&gt;evt</c>: the one CM event parked for this qpair. Written under the controller lock.</summary>
    internal CmEvent? Evt
    {
        get => Volatile.Read(ref _evt);
        set
        {
            Volatile.Write(ref _evt, value);
            if (value != null)
            {
                NotifyOwner(); // parked by whichever thread drained the shared channel: the owner's next round takes it
            }
        }
    }

    /// <summary>The CM id of the current connection (null before the connect and after the destroy). The hardware
    /// runner's fault executor calls rdma_disconnect on it and modify_qp on its QP, as the simulator's faults act on the
    /// fabric's objects; the transport itself never sees who did it.</summary>
    public ICmId? CmId { get; private set; }

    internal QpairResources? Resources { get; private set; }

    internal ICompletionQueue? PrivateCq { get; private set; }

    internal bool Connected { get; private set; }

    internal bool NeedDestroy { get; private set; }

    internal bool CqReserved { get; set; }

    /// <summary>The qpair's QP is (to be) created on its poll group's SRQ and counts as one of its users.</summary>
    internal bool SrqHeld { get; set; }

    /// <summary>qp_num under which the poll group finds this qpair for SRQ completions (null when not attached).</summary>
    internal uint? SrqQpNum { get; set; }

    /// <summary>HEAD's test before nvme_rdma_process_recv_completion on an SRQ: a qpair found and not EXITED (and here: with its requests).</summary>
    internal bool AcceptsSrqResponse => _state != NvmeRdmaQpairState.Exited && Resources != null;

    /// <summary>The last step of this qpair would have blocked on the controller lock (a cooperative run only).</summary>
    internal bool WaitingForLock { get; private set; }

    private bool IsAdmin => Qid == 0;

    private bool DefectLingeringWithoutLock => (_options.Defects & KnownDefects.LingeringWithoutCtrlrLock) != 0;

    private bool DefectStaleReconnectWithoutLock => (_options.Defects & KnownDefects.StaleReconnectWithoutCtrlrLock) != 0;

    private bool DefectTrustsResponseCid => (_options.Defects & KnownDefects.HostTrustsResponseCid) != 0;

    private bool DefectCapsulePostLeak => (_options.Defects & KnownDefects.HostCapsulePostLeak) != 0;

    /// <summary>
    /// Asks the owner to disconnect the qpair (outstanding commands complete aborted). Any thread. It also withdraws a
    /// connect asked for earlier and not yet started, so the later request wins (otherwise a qpair disconnected while its
    /// connect was pending would connect anyway and run; found by the Coyote scenarios PollersRacingCmDisconnects and DisconnectRacingConnect).
    /// </summary>
    public void Disconnect()
    {
        Interlocked.Exchange(ref _connectRequested, 0);
        Interlocked.Exchange(ref _disconnectRequested, 1);
        NotifyOwner();
    }

    /// <summary>Asks the owner to connect the qpair again once it is disconnected. Any thread.</summary>
    public void Reconnect()
    {
        Interlocked.Exchange(ref _connectRequested, 1);
        NotifyOwner();
    }

    /// <summary>Asks the owner to disconnect and free the qpair (SPDK spdk_nvme_ctrlr_free_io_qpair). Any thread.</summary>
    public void Free()
    {
        Interlocked.Exchange(ref _freeRequested, 1);
        NotifyOwner();
    }

    /// <summary>A request from another thread is waiting: the owning thread (poll group or admin) polls again.</summary>
    internal void NotifyOwner() => (PollGroup?.Reactor ?? _ctrlr.AdminReactor).Notify();

    /// <inheritdoc/>
    public override string ToString() => $"qpair {Name} ({State.ToSpdkName()})";

    /// <summary>
    /// The transition function: every state change goes through here, and each target state asserts its precondition.
    /// </summary>
    internal void SetState(NvmeRdmaQpairState next)
    {
        var from = _state;
        Check.That(NvmeRdmaQpairStates.IsLegal(from, next), InvariantNames.StateTransition, (this, from, next),
            s => $"{s.Item1.Name}: {s.from.ToSpdkName()} -> {s.next.ToSpdkName()} is not a transition of the qpair state machine");
        var (holds, what) = Precondition(from, next);
        Check.That(holds, InvariantNames.StateTransition, (this, from, next, what),
            s => $"{s.Item1.Name}: {s.from.ToSpdkName()} -> {s.next.ToSpdkName()} requires {s.what}");
        Resources?.CheckCounters(Name);
        _state = next;
        if (_history.Count < StateHistoryMax)
        {
            _history.Add(next);
        }

        _options.Observer?.OnQpairState(this, from);
    }

    private (bool Holds, string What) Precondition(NvmeRdmaQpairState from, NvmeRdmaQpairState next)
    {
        var r = Resources;
        return next switch
        {
            NvmeRdmaQpairState.Initializing => (CmId != null && r == null && (_ctrlr.Lock.IsHeldBy(Owner) || (from == NvmeRdmaQpairState.StaleConn && DefectStaleReconnectWithoutLock)),
                "a new CM id, no resources, the controller lock"),
            NvmeRdmaQpairState.FabricConnectSend => (Connected && r != null && (SrqHeld || r.CurrentNumRecvs == NumEntries), "RDMA connected with every receive posted (or on the poller's SRQ)"),
            NvmeRdmaQpairState.FabricConnectPoll => (r != null && r.OutstandingCount == 1, "the Fabrics Connect command outstanding"),
            NvmeRdmaQpairState.Running => (Connected && _connectStatus == ConnectStatus.Succeeded && FailureReason == QpairFailureReason.None, "a successful Fabrics Connect"),
            NvmeRdmaQpairState.Exiting => (_ctrlr.Lock.IsHeldBy(Owner) || _disconnectingWithoutLock, "the controller lock"),
            NvmeRdmaQpairState.Lingering => (r != null && (r.CurrentNumSends + r.CurrentNumRecvs > 0 || NeedDestroy), "outstanding WRs or a pending device removal"),
            NvmeRdmaQpairState.Exited => (from == NvmeRdmaQpairState.Exiting || r == null || IsQuiet(r) || _clock.NowNs >= _lingerDeadlineNs,
                "no outstanding WRs or the lingering deadline passed"),
            NvmeRdmaQpairState.StaleConnLingering => (r != null && !IsQuiet(r), "the stale connection's QP with WRs outstanding"),
            NvmeRdmaQpairState.StaleConn => (CmId == null && r == null, "the stale connection's resources destroyed"),
            _ => (true, string.Empty),
        };
    }

    private static bool IsQuiet(QpairResources r) => r.CurrentNumSends == 0 && r.CurrentNumRecvs == 0;

    /// <summary>
    /// SPDK nvme_ctrlr_lock on the owning thread: blocks while another thread holds the controller lock. False only in
    /// a cooperative run whose holder is suspended further up this stack (<see cref="ControllerLock.Enter"/>): the step
    /// is abandoned, <see cref="WaitingForLock"/> tells the poll group its thread is blocked here, and the same step runs
    /// first thing on the next round.
    /// </summary>
    private bool Lock()
    {
        WaitingForLock = !_ctrlr.Lock.Enter(Owner);
        return !WaitingForLock;
    }

    private void Unlock() => _ctrlr.Lock.Exit(Owner);

    private void Interleave(HostInterleavingPoint point) => _options.Interleaving?.At(point, this);

    private void Log(string text) => _ctrlr.Log($"{Name}: {text}");
}
