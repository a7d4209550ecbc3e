namespace Harness.Transport.Target.Snapshot;

/// <summary><c>struct spdk_nvmf_rdma_resources</c>: the request and receive arrays and their two queues.</summary>
public sealed record ResourcesSnapshot
{
    public required string Address { get; init; }

    /// <summary>Length of the arrays (<c>max_queue_depth</c>, or <c>max_srq_depth</c>).</summary>
    public required int Depth { get; init; }

    public required QueueSnapshot FreeQueue { get; init; }

    /// <summary>Receives waiting for a request (addresses of <c>struct spdk_nvmf_rdma_recv</c>).</summary>
    public required QueueSnapshot IncomingQueue { get; init; }

    public required IReadOnlyList<RequestSnapshot> Requests { get; init; }

    public required IReadOnlyList<RecvSnapshot> Recvs { get; init; }
}
