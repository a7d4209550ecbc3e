namespace Harness.Sim.Coverage;

/// <summary>
/// One sweep (or shard of one) whose counts a coverage file holds: enough to tell whether files merged belong to one
/// sweep and which of its shards they cover. Two sources are of the same sweep when all but <see cref="ShardIndex"/> agree.
/// </summary>
/// <param name="FirstSeed">First seed of the sweep's range (<c>--seeds A..B</c>: A).</param>
/// <param name="LastSeed">Last seed of the range, inclusive.</param>
/// <param name="ShardIndex">The shard run (1-based, <c>--shard I/N</c>: I).</param>
/// <param name="ShardCount">Shards the sweep was split into (N; 1 for a whole sweep).</param>
/// <param name="Faults">Fault profile of every seed.</param>
/// <param name="Defects">Known defects switched on, in ordinal order.</param>
/// <param name="Workload">Per seed: I/Os, qpairs, queue depth, bytes per I/O.</param>
public sealed record CoverageSource(ulong FirstSeed, ulong LastSeed, int ShardIndex, int ShardCount, string Faults, IReadOnlyList<string> Defects,
    (int Ios, int Qpairs, int QueueDepth, int IoSize) Workload)
{
    /// <summary>What identifies the sweep, shard index left out, as text (for grouping and for messages).</summary>
    public string Sweep => FormattableString.Invariant(
        $"seeds {FirstSeed}..{LastSeed}, {ShardCount} shard(s), faults {Faults}, defects {(Defects.Count == 0 ? "none" : string.Join(",", Defects))}, ios {Workload.Ios}, qpairs {Workload.Qpairs}, qd {Workload.QueueDepth}, io-size {Workload.IoSize}");

    /// <summary>The shard as <c>I/N</c>.</summary>
    public string Shard => FormattableString.Invariant($"{ShardIndex}/{ShardCount}");
}
