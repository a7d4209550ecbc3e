namespace Harness.Transport.Target.Snapshot;

/// <summary><c>struct spdk_nvmf_rdma_recv</c>.</summary>
public sealed record RecvSnapshot
{
    public required string Address { get; init; }

    public required int Index { get; init; }

    public string? Qpair { get; init; }
}
