namespace Harness.Transport.Target.Snapshot;

/// <summary><c>struct spdk_nvmf_rdma_poll_group</c>: the group's <c>pending_buf_queue</c> (as rdma requests) and its pollers.</summary>
public sealed record PollGroupSnapshot
{
    public required string Address { get; init; }

    public required QueueSnapshot PendingBufQueue { get; init; }

    public required IReadOnlyList<PollerSnapshot> Pollers { get; init; }
}
