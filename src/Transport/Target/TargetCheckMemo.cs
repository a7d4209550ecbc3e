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

    /// <summary>Per request pool: the buffers its requests held when its mutation count was last seen.</summary>
    internal Dictionary<RdmaResources, HeldBuffers> Held { get; } = new(ReferenceEqualityComparer.Instance);

    internal long SmallPoolSeen { get; set; } = -1;

    internal long LargePoolSeen { get; set; } = -1;

    /// <summary>Qpairs checked because something they hold changed (or never checked before).</summary>
    public long QpairsChecked { get; internal set; }

    /// <summary>Live qpairs not checked because nothing they hold changed since their last check.</summary>
    public long QpairsSkipped { get; internal set; }

    /// <summary>The iobuf buffers a request pool's requests hold (request, iov index), counted per pool, at <see cref="Mutations"/>.</summary>
    internal sealed class HeldBuffers
    {
        public long Mutations { get; private set; } = -1;

        public List<(RdmaRequest Req, int Iov)> Entries { get; } = new();

        public int Small { get; private set; }

        public int Large { get; private set; }

        /// <summary>Reads the pool's requests again (their buffer counts and lengths), as <c>CheckIobuf</c> counts them.</summary>
        public void Refill(Iobuf iobuf, RdmaResources resources)
        {
            Begin();
            foreach (var req in resources.Reqs)
            {
                Add(iobuf, req);
            }

            Complete(resources);
        }

        /// <summary>Starts a refill; until <see cref="Complete"/> the entries are not trusted.</summary>
        public void Begin()
        {
            Entries.Clear();
            Small = 0;
            Large = 0;
            Mutations = -1;
        }

        /// <summary>Adds the buffers <paramref name="req"/> holds.</summary>
        public void Add(Iobuf iobuf, RdmaRequest req)
        {
            for (var b = 0; b < req.BufferCount; b++)
            {
                Entries.Add((req, b));
                var small = ReferenceEquals(iobuf.PoolFor(req.BufferLengths[b]), iobuf.Small);
                Small += small ? 1 : 0;
                Large += small ? 0 : 1;
            }
        }

        /// <summary>Every request of <paramref name="resources"/> was added: the entries are its holdings at its current count.</summary>
        public void Complete(RdmaResources resources) => Mutations = resources.Mutations;
    }

    /// <summary>A qpair's and its resources' mutation counts at its last check.</summary>
    internal readonly record struct QpairSeen(long Qpair, long Resources);
}
