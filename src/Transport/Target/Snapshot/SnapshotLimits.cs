namespace Harness.Transport.Target.Snapshot;

/// <summary>
/// The ranges a snapshot's numbers must be in for the transport to hold it (<see cref="TargetSnapshotReader"/> checks
/// every one when reading, so that restoring, running and embedding an accepted snapshot cannot fail on a value). Where
/// the transport has its own limit, that limit is used; the totals bound what restoring allocates, so that a hostile
/// or mistyped file is refused with its field named instead of exhausting memory.
/// </summary>
public static class SnapshotLimits
{
    /// <summary>Largest <c>max_queue_depth</c> (transport and qpair) restored: SPDK's RDMA targets run 128 by default and a few thousand at most.</summary>
    public const int QueueDepthMax = 4096;

    /// <summary>Smallest <c>max_queue_depth</c>: the transport's own minimum.</summary>
    public const int QueueDepthMin = TargetOptions.MaxQueueDepthMin;

    /// <summary>Largest <c>max_send_depth</c>: SPDK gives a qpair at most twice its queue depth (a data WR and a response per request).</summary>
    public const int SendDepthMax = 2 * QueueDepthMax;

    /// <summary>Largest <c>max_read_depth</c>: the QP's <c>max_rd_atomic</c> is 8 bits.</summary>
    public const int ReadDepthMax = byte.MaxValue;

    /// <summary>Largest <c>qid</c>: an NVMe queue id is 16 bits.</summary>
    public const int QidMax = ushort.MaxValue;

    /// <summary>Largest request and receive array (<c>max_srq_depth</c> of an SRQ poller is 16 bits).</summary>
    public const int ResourcesDepthMax = 1 << 16;

    /// <summary>Largest per-request WR count (<c>num_wrs</c>, outstanding, remaining): the transport's own.</summary>
    public const int DataWrsMax = RdmaRequest.DataWrsMax;

    /// <summary>Most names in <c>request_states</c> (SPDK's enum has 15 or 16).</summary>
    public const int RequestStatesMax = 64;

    /// <summary>Most poll groups: the transport's own.</summary>
    public const int PollGroupsMax = NvmfRdmaTransport.PollGroupsMax;

    /// <summary>Most qpairs in one snapshot (a busy target has hundreds).</summary>
    public const int QpairsMax = 16_384;

    /// <summary>
    /// Receive and send slots of every qpair together (<c>max_queue_depth</c> + <c>max_send_depth</c> summed): bounds what
    /// restoring allocates per slot. 1024 qpairs of depth 256 use 786,432.
    /// </summary>
    public const int QueueSlotsMax = 1 << 20;

    /// <summary>
    /// Completion queue entries of the restored target (poll groups × <c>num_cqe</c>, grown by at most twice
    /// <see cref="NvmfRdmaTransport.MaxWrPerQp"/> of every qpair): 64 poll groups and 1,024 qpairs at depth 128 use 1,048,576.
    /// </summary>
    public const long CqEntriesMax = 1 << 22;

    /// <summary>
    /// DMA memory of the restored target, in bytes: the shared data buffers (<c>num_shared_buffers</c> ×
    /// <c>io_unit_size</c>) and every qpair's capsules, completions and in-capsule data; SPDK's defaults use about 100 MiB
    /// for 128 qpairs.
    /// </summary>
    public const long DmaBytesMax = 1L << 30;
}
