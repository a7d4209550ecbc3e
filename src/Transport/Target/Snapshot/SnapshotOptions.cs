namespace Harness.Transport.Target.Snapshot;

/// <summary>The transport options a snapshot implies: the one place the reader (which checks them) and a run (which uses them) get them from.</summary>
public static class SnapshotOptions
{
    /// <summary>
    /// The snapshot's transport opts, its deepest qpair's depth if deeper, and SPDK's defaults for the rest (one SGE
    /// geometry), with <paramref name="defects"/>.
    /// </summary>
    public static TargetOptions For(TargetSnapshot s, KnownDefects defects)
    {
        ArgumentNullException.ThrowIfNull(s);
        var depth = s.PollGroups.SelectMany(g => g.Pollers).SelectMany(p => p.Qpairs).Select(q => q.MaxQueueDepth).DefaultIfEmpty(TargetOptions.MaxQueueDepthMin).Max();
        return new TargetOptions
        {
            MaxQueueDepth = Math.Max(Math.Max(TargetOptions.MaxQueueDepthMin, s.Transport.MaxQueueDepth), depth),
            InCapsuleDataSize = s.Transport.InCapsuleDataSize,
            MaxIoSize = s.Transport.MaxIoSize,
            IoUnitSize = s.Transport.IoUnitSize,
            NumSharedBuffers = s.Transport.NumSharedBuffers,
            Defects = defects,
        };
    }
}
