namespace Harness.Transport.Target.Snapshot;

/// <summary>Where a snapshot came from.</summary>
public sealed record SnapshotSource
{
    public string? Extractor { get; init; }

    public string? Binary { get; init; }

    public string? Core { get; init; }

    public string? Gdb { get; init; }
}
