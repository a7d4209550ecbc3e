namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// The host's model of one qpair's region of target memory: per block, whether its contents are known and which
/// pattern seed they hold, and whether an operation is using it (at most one at a time, so the expected contents are
/// never ambiguous).
/// </summary>
internal sealed class BlockTable
{
    private readonly bool[] _busy;
    private readonly bool[] _known;
    private readonly ulong[] _seeds;
    private int _idleKnown;

    public BlockTable(int blocks)
    {
        _busy = new bool[blocks];
        _known = new bool[blocks];
        _seeds = new ulong[blocks];
    }

    public int Count => _busy.Length;

    /// <summary>True when some block is idle and holds known contents (a read-back is possible).</summary>
    public bool HasIdleKnown => _idleKnown > 0;

    public ulong SeedOf(int block) => _seeds[block];

    /// <summary>The first idle block at or after <paramref name="start"/> (wrapping), or -1.</summary>
    public int FindIdle(int start, bool requireKnown)
    {
        var n = _busy.Length;
        for (var i = 0; i < n; i++)
        {
            var b = start + i;
            if (b >= n)
            {
                b -= n;
            }

            if (!_busy[b] && (!requireKnown || _known[b]))
            {
                return b;
            }
        }

        return -1;
    }

    public void Acquire(int block)
    {
        if (_known[block])
        {
            _idleKnown--;
        }

        _busy[block] = true;
    }

    /// <summary>Releases a block after a successful WRITE: its contents are now the pattern of <paramref name="seed"/>.</summary>
    public void ReleaseWritten(int block, ulong seed)
    {
        _seeds[block] = seed;
        _known[block] = true;
        Release(block);
    }

    /// <summary>Releases a block after a failed WRITE: a flushed WRITE may or may not have landed, so forget it.</summary>
    public void ReleaseUnknown(int block)
    {
        _known[block] = false;
        Release(block);
    }

    /// <summary>Releases a block after a READ (contents unchanged).</summary>
    public void Release(int block)
    {
        _busy[block] = false;
        if (_known[block])
        {
            _idleKnown++;
        }
    }
}
