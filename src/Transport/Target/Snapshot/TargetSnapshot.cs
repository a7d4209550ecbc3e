namespace Harness.Transport.Target.Snapshot;

/// <summary>
/// The state of an SPDK NVMe-oF RDMA target transport as <c>tools/gdb/rdma_snapshot.py</c> extracts it from a core dump
/// (format <see cref="FormatName"/>, docs/reproducing-field-bugs.md). Names are SPDK's: field names in snake_case,
/// request states without the <c>RDMA_REQUEST_STATE_</c> prefix, addresses as <c>0x…</c> strings. Queues are the
/// element addresses reached from each head, so a request linked into two queues appears in both.
/// </summary>
public sealed record TargetSnapshot
{
    /// <summary>The value of <see cref="Format"/>.</summary>
    public const string FormatName = "spdk-nvmf-rdma-snapshot";

    /// <summary>The version this build reads.</summary>
    public const int CurrentVersion = 1;

    public required string Format { get; init; }

    public required int Version { get; init; }

    public SnapshotSource? Source { get; init; }

    /// <summary>The binary's <c>enum spdk_nvmf_rdma_request_state</c>, in value order (prefix stripped).</summary>
    public required IReadOnlyList<string> RequestStates { get; init; }

    public required TransportSnapshot Transport { get; init; }

    public required IReadOnlyList<PollGroupSnapshot> PollGroups { get; init; }

    /// <summary>What the extractor wants the reader to know (e.g. several transports found).</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();

    /// <summary>What the extractor could not read (memory missing from the core, an unknown enum value…).</summary>
    public IReadOnlyList<string> Errors { get; init; } = Array.Empty<string>();
}
