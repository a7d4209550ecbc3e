using Harness.Transport.Invariants;

namespace Harness.Transport.Target.Snapshot;

/// <summary>One inconsistency in a snapshot: the invariant of DESIGN.md it breaks and what exactly is wrong.</summary>
/// <param name="Invariant">Its name (<see cref="InvariantNames"/>).</param>
/// <param name="Detail">Names the objects (request index and core address, queue, qpair).</param>
public sealed record SnapshotFinding(string Invariant, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Invariant}: {Detail}";
}
