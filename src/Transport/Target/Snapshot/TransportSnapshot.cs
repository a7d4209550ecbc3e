namespace Harness.Transport.Target.Snapshot;

/// <summary><c>struct spdk_nvmf_rdma_transport</c> and its <c>transport.opts</c>.</summary>
public sealed record TransportSnapshot
{
    public required string Address { get; init; }

    public required string Name { get; init; }

    public required int MaxQueueDepth { get; init; }

    public required int InCapsuleDataSize { get; init; }

    public required int MaxIoSize { get; init; }

    public required int IoUnitSize { get; init; }

    public required int NumSharedBuffers { get; init; }
}
