namespace Harness.Transport.Host;

/// <summary>SPDK's <c>NVME_RDMA_COMPLETION_FLAGS</c>: a request completes when both are set, in either order.</summary>
[Flags]
internal enum RdmaCompletionFlags
{
    None = 0,
    SendCompleted = 1 << 0,
    RecvCompleted = 1 << 1,
}
