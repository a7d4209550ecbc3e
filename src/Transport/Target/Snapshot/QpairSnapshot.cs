namespace Harness.Transport.Target.Snapshot;

/// <summary><c>struct spdk_nvmf_rdma_qpair</c> with its generic <c>qpair</c> and <c>rdma_qp-&gt;qp</c>.</summary>
public sealed record QpairSnapshot
{
    public required string Address { get; init; }

    public required int Qid { get; init; }

    /// <summary><c>qpair.state</c> (<c>enum spdk_nvmf_qpair_state</c> name, e.g. <c>SPDK_NVMF_QPAIR_DEACTIVATING</c>).</summary>
    public required string State { get; init; }

    /// <summary><c>qpair.queue_depth</c>.</summary>
    public required int QueueDepth { get; init; }

    public required uint QpNum { get; init; }

    /// <summary><c>rdma_qp-&gt;qp-&gt;state</c> (<c>enum ibv_qp_state</c> name), null when there is no QP.</summary>
    public string? IbvState { get; init; }

    public required int MaxQueueDepth { get; init; }

    public required int MaxReadDepth { get; init; }

    public required int MaxSendDepth { get; init; }

    public required int CurrentRecvDepth { get; init; }

    public required int CurrentReadDepth { get; init; }

    public required int CurrentSendDepth { get; init; }

    public required bool IbvInErrorState { get; init; }

    public bool ToClose { get; init; }

    public bool LastWqeReached { get; init; }

    public QueueSnapshot? PendingIobufQueue { get; init; }

    public required QueueSnapshot PendingRdmaReadQueue { get; init; }

    public required QueueSnapshot PendingRdmaWriteQueue { get; init; }

    public QueueSnapshot? PendingRdmaSendQueue { get; init; }

    /// <summary>The qpair's own resources (null with an SRQ: the poller's).</summary>
    public ResourcesSnapshot? Resources { get; init; }
}
