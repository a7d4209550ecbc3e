using Harness.Transport.Invariants;
using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>The generic NVMe-oF layer's qpair state (<c>enum spdk_nvmf_qpair_state</c>).</summary>
public enum NvmfQpairState
{
    Uninitialized,
    Connecting,
    Enabled,
    Deactivating,
    Error,
}

/// <summary>
/// SPDK's <c>spdk_nvmf_rdma_qpair</c>: one host connection on the target. Owns (or, with an SRQ, shares) the request
/// resources, the four pending queues, and the depth counters that must always equal the WRs actually outstanding.
/// </summary>
public sealed partial class RdmaQpair : INvmfQpair
{
    /// <summary>WRs batched per qpair before the end-of-poll flush (bounds the staging arrays).</summary>
    public const int BatchedWrsMax = 4096;

    internal RdmaQpair(NvmfRdmaTransport transport, ICmId cmId, int maxQueueDepth, int maxReadDepth, ushort qid, string name)
    {
        Transport = transport;
        CmId = cmId;
        MaxQueueDepth = maxQueueDepth;
        MaxReadDepth = maxReadDepth;
        MaxSendDepth = 2 * maxQueueDepth;
        Qid = qid;
        Name = name;
        PendingIobufQueue = new Stailq<RdmaRequest, StateLink>("pending_iobuf_queue", this) { Describe = Describe };
        PendingRdmaReadQueue = new Stailq<RdmaRequest, StateLink>("pending_rdma_read_queue", this) { Describe = Describe };
        PendingRdmaWriteQueue = new Stailq<RdmaRequest, StateLink>("pending_rdma_write_queue", this) { Describe = Describe };
        PendingRdmaSendQueue = new Stailq<RdmaRequest, StateLink>("pending_rdma_send_queue", this) { Describe = Describe };
        SendBatch = new SendWorkRequest[Math.Min(BatchedWrsMax, MaxSendDepth)];
        RecvBatch = new RecvWorkRequest[Math.Min(BatchedWrsMax, Math.Max(1, maxQueueDepth))];
    }

    public string Name { get; }

    public NvmfRdmaTransport Transport { get; }

    /// <summary>Commands handed to the controller and not yet back (the generic layer's outstanding count).</summary>
    public int Executing { get; internal set; }

    public ICmId CmId { get; }

    public IQueuePair? Qp { get; internal set; }

    public RdmaPoller? Poller { get; internal set { field = value; Mutations++; } }

    /// <summary>
    /// The poll group the qpair was handed to (<c>qpair-&gt;group</c>): chosen on the acceptor thread, every change to the
    /// qpair after that happens on this group's thread (messages carry the work there).
    /// </summary>
    public RdmaPollGroup? Group { get; internal set; }

    /// <inheritdoc/>
    public IReactor? Thread => Group?.Thread;

    /// <summary>The hand-off to <see cref="Group"/>'s thread is queued and has not run (SPDK's <c>_nvmf_poll_group_add</c>).</summary>
    public bool HandOffQueued { get; internal set; }

    /// <summary>Counted in its group's unassociated, admin or I/O qpairs (until its generic destroy or failed hand-off).</summary>
    internal bool GroupCounted { get; set; }

    /// <summary>
    /// Disconnect messages queued to the group's thread that name this qpair and have not run (asked from other
    /// threads). In the port's fix of docs/findings/013 the qpair is not destroyed while any is queued.
    /// </summary>
    public int MessagesQueued => _messagesQueued; // a plain read: under Coyote a volatile one is a scheduling point

    /// <summary>The Fabrics CONNECT arrived (<c>connect_received</c>, ctrlr.c:938): counted as admin or I/O in its group.</summary>
    public bool ConnectReceived { get; private set; }

    /// <summary>The outstanding commands are awaited before the transport closes it (SPDK's <c>state_cb</c> set).</summary>
    internal bool DestroyAwaitsOutstanding { get; set; }

    /// <summary>
    /// HEAD's <c>last_wqe_reached_ctx</c> (rdma.c:3599): the LAST_WQE_REACHED message in flight to the group's thread;
    /// its qpair reference is cleared when the qpair is destroyed first (nvmf_rdma_qpair_clean_ibv_events, rdma.c:859).
    /// </summary>
    internal LastWqeEvent? LastWqeReachedCtx { get; set; }

    private int _messagesQueued;

    /// <summary>
    /// Writes to its own fields that <see cref="TargetInvariants"/> reads (depth counters, state flags, poller and
    /// resources), counted by their setters; with its resources' <see cref="RdmaResources.Mutations"/> an oracle tells an
    /// untouched qpair from a changed one (<see cref="TargetInvariants.CheckChanged"/>).
    /// </summary>
    public long Mutations { get; private set; }

    public RdmaResources? Resources { get; internal set { field = value; Mutations++; } }

    /// <summary>NVMe queue id from the CM private data (0 = admin).</summary>
    public ushort Qid { get; }

    public NvmfQpairState GenericState { get; internal set { field = value; Mutations++; } } = NvmfQpairState.Uninitialized;

    public int MaxQueueDepth { get; }

    public int MaxReadDepth { get; }

    public int MaxSendDepth { get; }

    /// <summary>
    /// SGEs one send WR of this qpair may carry (<c>rqpair-&gt;max_send_sge</c> = min(device max_sge,
    /// SPDK_NVMF_MAX_SGL_ENTRIES), rdma.c:nvmf_rdma_qpair_initialize:1048): the bound of a data WR's scatter list.
    /// </summary>
    public int MaxSendSge { get; internal set; } = NvmfRdmaTransport.SglEntriesMax;

    /// <summary>Receives handed back by the NIC and not yet re-posted (<c>current_recv_depth</c>).</summary>
    public int CurrentRecvDepth { get; internal set { field = value; Mutations++; } }

    /// <summary>RDMA READs posted and not completed (<c>current_read_depth</c>).</summary>
    public int CurrentReadDepth { get; internal set { field = value; Mutations++; } }

    /// <summary>Send-queue WRs posted and not completed (<c>current_send_depth</c>).</summary>
    public int CurrentSendDepth { get; internal set { field = value; Mutations++; } }

    /// <summary>Send WRs given up with a removed device (they never complete; see <c>need_destroy</c>).</summary>
    public int AbandonedWrs { get; internal set; }

    /// <summary>Received-and-not-freed capsules (<c>qpair.queue_depth</c>).</summary>
    public int QueueDepth { get; internal set { field = value; Mutations++; } }

    /// <summary>Set on the first error completion or fatal async event (<c>ibv_in_error_state</c>).</summary>
    public bool IbvInErrorState { get; internal set { field = value; Mutations++; } }

    /// <summary>Set once the generic layer asked to close it (<c>to_close</c>).</summary>
    public bool ToClose { get; internal set; }

    /// <summary>SRQ: the NIC reported that no more WQEs of this QP will complete.</summary>
    public bool LastWqeReached { get; internal set; }

    /// <summary>Its <see cref="NvmfRdmaTransport.MaxWrPerQp"/> entries are counted in its poller's required_num_wr.</summary>
    public bool CqEntriesReserved { get; internal set; }

    /// <summary>Its cm_id was destroyed before the qpair (HEAD's nvmf_rdma_qpair_initialize error path).</summary>
    public bool CmIdDestroyed { get; internal set; }

    /// <summary>
    /// True once <c>nvmf_rdma_qpair_destroy</c> returned (SPDK's <c>free(rqpair)</c>, rdma.c:958): nothing may touch it
    /// after this (<see cref="Destroyed"/> is set when the destroy begins, which may wait in rdma_destroy_id for an ack).
    /// </summary>
    public bool Freed { get; internal set; }

    /// <summary>True once destroyed (everything released).</summary>
    public bool Destroyed { get; internal set { field = value; Mutations++; } }

    /// <summary>Disconnect already started (only one path may start it).</summary>
    public bool DisconnectStarted { get; internal set { field = value; Mutations++; } }

    /// <summary>When the target accepted the connection (the Fabrics CONNECT is due within <see cref="TargetOptions.FabricConnectTimeoutNsMax"/>).</summary>
    public long AcceptedNs { get; internal set; }

    public Stailq<RdmaRequest, StateLink> PendingIobufQueue { get; }

    public Stailq<RdmaRequest, StateLink> PendingRdmaReadQueue { get; }

    public Stailq<RdmaRequest, StateLink> PendingRdmaWriteQueue { get; }

    public Stailq<RdmaRequest, StateLink> PendingRdmaSendQueue { get; }

    /// <summary>The controller this qpair belongs to once the Fabrics Connect succeeded.</summary>
    public object? Controller { get; set; }

    /// <summary>Submission queue head reported in completions (advances per command).</summary>
    public ushort SqHead { get; internal set; }

    /// <summary>Submission queue size from the Fabrics Connect (0's based).</summary>
    public ushort SqSize { get; set; }

    internal SendWorkRequest[] SendBatch { get; }

    internal int SendBatchCount { get; set; }

    internal RecvWorkRequest[] RecvBatch { get; }

    internal int RecvBatchCount { get; set; }

    /// <summary><c>send_link</c>: the qpair's link in its poller's <c>qpairs_pending_send</c>.</summary>
    internal RdmaQpair? SendNext { get; set; }

    internal StailqId SendOwner { get; set; }

    /// <summary><c>recv_link</c>: the qpair's link in its poller's <c>qpairs_pending_recv</c>.</summary>
    internal RdmaQpair? RecvNext { get; set; }

    internal StailqId RecvOwner { get; set; }

    /// <summary>True when the generic layer considers it active (CONNECTING or ENABLED).</summary>
    public bool IsActive => GenericState is NvmfQpairState.Connecting or NvmfQpairState.Enabled;

    /// <inheritdoc/>
    public void Enable()
    {
        if (GenericState == NvmfQpairState.Connecting)
        {
            SetGenericState(NvmfQpairState.Enabled);
        }
    }

    /// <inheritdoc/>
    public void OnConnectReceived()
    {
        if (ConnectReceived && !Transport.HasDefect(KnownDefects.ConnectCountedTwice))
        {
            return; // a CONNECT again after one failed: counted once (HEAD counts each one, docs/findings/015)
        }

        ConnectReceived = true;
        if (GroupCounted)
        {
            Group!.LeaveUnassociated(Qid);
        }
    }

    /// <summary>
    /// <c>nvmf_qpair_set_state</c> (nvmf.c:312), limited to the transitions HEAD makes: UNINITIALIZED → CONNECTING
    /// (spdk_nvmf_poll_group_add, nvmf.c:1529), CONNECTING → ENABLED (the CONNECT), CONNECTING/ENABLED → DEACTIVATING
    /// (spdk_nvmf_qpair_disconnect, nvmf.c:1712), DEACTIVATING → ERROR (spdk_nvmf_poll_group_remove, nvmf.c:1598).
    /// </summary>
    internal void SetGenericState(NvmfQpairState to)
    {
        var from = GenericState;
        var allowed = (from, to) switch
        {
            (NvmfQpairState.Uninitialized, NvmfQpairState.Connecting) => true,
            (NvmfQpairState.Connecting, NvmfQpairState.Enabled) => true,
            (NvmfQpairState.Connecting or NvmfQpairState.Enabled, NvmfQpairState.Deactivating) => true,
            (NvmfQpairState.Deactivating, NvmfQpairState.Error) => true,
            _ => false,
        };
        Check.That(allowed, InvariantNames.StateTransition, (this, from, to), s => $"{s.Item1}: generic state {s.from} -> {s.to}");
        Check.That(!Destroyed, InvariantNames.ObjectLifetime, this, q => $"{q}: state change after it was destroyed");
        GenericState = to;
    }

    /// <summary>A message naming this qpair was queued to its group's thread.</summary>
    internal void MessageQueued() => Interlocked.Increment(ref _messagesQueued);

    /// <summary>A message naming this qpair ran.</summary>
    internal void MessageRan()
    {
        var left = Interlocked.Decrement(ref _messagesQueued);
        Check.That(left >= 0, InvariantNames.DepthCounters, this, q => $"{q}: more messages ran than were queued");
    }

    /// <inheritdoc/>
    public void Disconnect() => Transport.DisconnectQpair(this);

    /// <inheritdoc/>
    public override string ToString() => $"qpair {Name} (qid {Qid}, qp 0x{Qp?.QpNum ?? 0:x})";

    private static string Describe(RdmaRequest r) =>
        $"request #{r.Index} (state {r.State.ToName()}, num_outstanding_data_wr {r.NumOutstandingDataWr}, num_remaining_data_wr {r.NumRemainingDataWr})";
}

/// <summary>The qpair's <c>send_link</c>.</summary>
public readonly struct QpairSendLink : IStailqLink<RdmaQpair>
{
    public static RdmaQpair? GetNext(RdmaQpair element) => element.SendNext;

    public static void SetNext(RdmaQpair element, RdmaQpair? next) => element.SendNext = next;

    public static StailqId GetOwner(RdmaQpair element) => element.SendOwner;

    public static void SetOwner(RdmaQpair element, StailqId owner) => element.SendOwner = owner;
}

/// <summary>The qpair's <c>recv_link</c>.</summary>
public readonly struct QpairRecvLink : IStailqLink<RdmaQpair>
{
    public static RdmaQpair? GetNext(RdmaQpair element) => element.RecvNext;

    public static void SetNext(RdmaQpair element, RdmaQpair? next) => element.RecvNext = next;

    public static StailqId GetOwner(RdmaQpair element) => element.RecvOwner;

    public static void SetOwner(RdmaQpair element, StailqId owner) => element.RecvOwner = owner;
}

/// <summary>
/// SPDK's <c>spdk_nvmf_rdma_ibv_event_ctx</c>: the LAST_WQE_REACHED message's context. The qpair points back at it
/// while the message is queued, and clears <see cref="Qpair"/> if it is destroyed first (the message then does nothing).
/// </summary>
internal sealed class LastWqeEvent(NvmfRdmaTransport transport, RdmaQpair qpair)
{
    public NvmfRdmaTransport Transport { get; } = transport;

    public RdmaQpair? Qpair { get; set; } = qpair;
}
