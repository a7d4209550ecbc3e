namespace Harness.Transport.Target;

/// <summary>
/// What <see cref="TargetInvariants.CheckChanged"/> saw when it last checked each qpair, shared receive queue and iobuf
/// pool: the <c>Mutations</c> counts their setters keep. Equal counts mean no setter the check reads through ran since,
/// so the check would give the same answer and is skipped. One memo per oracle; it only grows by one entry per qpair
/// or SRQ the target ever had.
/// </summary>
public sealed class TargetCheckMemo
{
    internal Dictionary<RdmaQpair, QpairSeen> Qpairs { get; } = new(ReferenceEqualityComparer.Instance);

    internal Dictionary<RdmaResources, long> SharedReceiveQueues { get; } = new(ReferenceEqualityComparer.Instance);

    internal long SmallPoolSeen { get; set; } = -1;

    internal long LargePoolSeen { get; set; } = -1;

    /// <summary>Qpairs checked because something they hold changed (or never checked before).</summary>
    public long QpairsChecked { get; internal set; }

    /// <summary>Live qpairs not checked because nothing they hold changed since their last check.</summary>
    public long QpairsSkipped { get; internal set; }

    /// <summary>A qpair's and its resources' mutation counts at its last check.</summary>
    internal readonly record struct QpairSeen(long Qpair, long Resources);
}
