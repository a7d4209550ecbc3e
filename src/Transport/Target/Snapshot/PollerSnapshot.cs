namespace Harness.Transport.Target.Snapshot;

/// <summary><c>struct spdk_nvmf_rdma_poller</c>: one device's CQ in a poll group, its SRQ resources if any, its qpairs tree.</summary>
public sealed record PollerSnapshot
{
    public required string Address { get; init; }

    public required bool NeedDestroy { get; init; }

    public required bool Srq { get; init; }

    public required int MaxSrqDepth { get; init; }

    /// <summary>Shared resources (SRQ only).</summary>
    public ResourcesSnapshot? Resources { get; init; }

    /// <summary>The <c>qpairs</c> tree in order (by QP number).</summary>
    public required IReadOnlyList<QpairSnapshot> Qpairs { get; init; }
}
