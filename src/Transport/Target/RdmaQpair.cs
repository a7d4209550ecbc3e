using Harness.Transport.RdmaCm;
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

    public RdmaPoller? Poller { get; internal set; }

    public RdmaResources? Resources { get; internal set; }

    /// <summary>NVMe queue id from the CM private data (0 = admin).</summary>
    public ushort Qid { get; }

    public NvmfQpairState GenericState { get; internal set; } = NvmfQpairState.Uninitialized;

    public int MaxQueueDepth { get; }

    public int MaxReadDepth { get; }

    public int MaxSendDepth { get; }

    /// <summary>Receives handed back by the NIC and not yet re-posted (<c>current_recv_depth</c>).</summary>
    public int CurrentRecvDepth { get; internal set; }

    /// <summary>RDMA READs posted and not completed (<c>current_read_depth</c>).</summary>
    public int CurrentReadDepth { get; internal set; }

    /// <summary>Send-queue WRs posted and not completed (<c>current_send_depth</c>).</summary>
    public int CurrentSendDepth { get; internal set; }

    /// <summary>Send WRs given up with a removed device (they never complete; see <c>need_destroy</c>).</summary>
    public int AbandonedWrs { get; internal set; }

    /// <summary>Received-and-not-freed capsules (<c>qpair.queue_depth</c>).</summary>
    public int QueueDepth { get; internal set; }

    /// <summary>Set on the first error completion or fatal async event (<c>ibv_in_error_state</c>).</summary>
    public bool IbvInErrorState { get; internal set; }

    /// <summary>Set once the generic layer asked to close it (<c>to_close</c>).</summary>
    public bool ToClose { get; internal set; }

    /// <summary>SRQ: the NIC reported that no more WQEs of this QP will complete.</summary>
    public bool LastWqeReached { get; internal set; }

    /// <summary>Its <see cref="NvmfRdmaTransport.MaxWrPerQp"/> entries are counted in its poller's required_num_wr.</summary>
    public bool CqEntriesReserved { get; internal set; }

    /// <summary>True once destroyed (everything released).</summary>
    public bool Destroyed { get; internal set; }

    /// <summary>Disconnect already started (only one path may start it).</summary>
    public bool DisconnectStarted { get; internal set; }

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
            GenericState = NvmfQpairState.Enabled;
        }
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
