using System.Globalization;
using Harness.Transport.Threading;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>
/// The host's model of the namespace region the workload uses: per block, what a read must return — zeroes when never
/// written, the pattern of the last successful write, or (after a write that failed, whose data may or may not have
/// landed) either of two patterns until a read tells which. The region is split into extents of
/// <see cref="ExtentBlocks"/> blocks; each I/O uses one extent, and an extent serves one I/O at a time, so what a read
/// must return is never ambiguous. The blocks of a failed write stay quarantined for a while (its data could still land).
/// </summary>
internal sealed class LbaModel
{
    /// <summary>Block state: the pattern of <c>_seed</c> (0 = zeroes).</summary>
    private const byte Known = 0;

    /// <summary>Block state: the pattern of <c>_seed</c> or of <c>_alt</c>.</summary>
    private const byte Either = 1;

    /// <summary>Block state: anything (two failed writes in a row).</summary>
    private const byte Unknown = 2;

    private readonly ulong[] _seed;
    private readonly ulong[] _alt;
    private readonly byte[] _state;
    private readonly bool[] _busy;
    private readonly Queue<(int Extent, long ReleaseAtNs)> _quarantine = new();

    public LbaModel(int extents, int extentBlocks)
    {
        Extents = extents;
        ExtentBlocks = extentBlocks;
        _seed = new ulong[extents * extentBlocks];
        _alt = new ulong[extents * extentBlocks];
        _state = new byte[extents * extentBlocks];
        _busy = new bool[extents];
    }

    public int Extents { get; }

    public int ExtentBlocks { get; }

    /// <summary>Extents in use or quarantined.</summary>
    public int BusyExtents { get; private set; }

    /// <summary>Blocks whose contents a read could not check (two failed writes in a row).</summary>
    public long UnverifiableBlocks { get; private set; }

    /// <summary>The first idle extent at or after <paramref name="start"/> (wrapping), marked busy; or −1.</summary>
    public int Acquire(int start)
    {
        for (var i = 0; i < Extents; i++)
        {
            var e = start + i;
            if (e >= Extents)
            {
                e -= Extents;
            }

            if (!_busy[e])
            {
                _busy[e] = true;
                BusyExtents++;
                return e;
            }
        }

        return -1;
    }

    public void Release(int extent)
    {
        _busy[extent] = false;
        BusyExtents--;
    }

    /// <summary>Keeps <paramref name="extent"/> busy until <paramref name="releaseAtNs"/> (constant delay: the queue stays in time order).</summary>
    public void Quarantine(int extent, long releaseAtNs) => _quarantine.Enqueue((extent, releaseAtNs));

    /// <summary>Releases the quarantined extents whose time has come. Returns how many.</summary>
    public int ReleaseQuarantined(long nowNs)
    {
        var n = 0;
        while (_quarantine.TryPeek(out var head) && head.ReleaseAtNs <= nowNs)
        {
            _quarantine.Dequeue();
            Release(head.Extent);
            n++;
        }

        return n;
    }

    /// <summary>When the next quarantined extent is released (<see cref="ReleaseQuarantined"/>), or <see cref="ITimedPoller.Never"/>.</summary>
    public long NextReleaseNs => _quarantine.TryPeek(out var head) ? head.ReleaseAtNs : ITimedPoller.Never;

    /// <summary>First block (an index into the model and the LBA) of <paramref name="extent"/>.</summary>
    public long FirstBlock(int extent) => (long)extent * ExtentBlocks;

    /// <summary>The write of <paramref name="count"/> blocks from <paramref name="block"/> with <paramref name="seed"/> completed successfully.</summary>
    public void Written(long block, int count, ulong seed)
    {
        for (var b = block; b < block + count; b++)
        {
            _seed[b] = seed;
            _state[b] = Known;
        }
    }

    /// <summary>The write failed: each block now holds its old contents or the new ones.</summary>
    public void WriteFailed(long block, int count, ulong seed)
    {
        for (var b = block; b < block + count; b++)
        {
            if (_state[b] == Known && _seed[b] != seed)
            {
                _alt[b] = seed;
                _state[b] = Either;
            }
            else if (_state[b] == Either)
            {
                _state[b] = Unknown;
            }
        }
    }

    /// <summary>
    /// Checks a successful read of <paramref name="count"/> blocks from <paramref name="block"/> in <paramref name="data"/>.
    /// Returns null when every checkable block holds what it must (an uncertain block is settled by what it holds), or
    /// what differs. <paramref name="verifiedBytes"/> counts the bytes compared.
    /// </summary>
    public string? Verify(long block, int count, ReadOnlySpan<byte> data, out long verifiedBytes)
    {
        verifiedBytes = 0;
        for (var i = 0; i < count; i++)
        {
            var b = block + i;
            var bytes = data.Slice(i * NvmfWorkloadOptions.BlockBytes, NvmfWorkloadOptions.BlockBytes);
            if (_state[b] == Unknown)
            {
                UnverifiableBlocks++;
                continue;
            }

            var bad = Mismatch(bytes, _seed[b], b);
            if (bad >= 0 && _state[b] == Either && Mismatch(bytes, _alt[b], b) < 0)
            {
                _seed[b] = _alt[b]; // the failed write did land
                bad = -1;
            }

            if (bad >= 0)
            {
                return Describe(b, bytes, bad);
            }

            _state[b] = Known;
            verifiedBytes += bytes.Length;
        }

        return null;
    }

    /// <summary>True when every block of the range has one possible content (what a Compare can be sure of).</summary>
    public bool AllKnown(long block, int count)
    {
        for (var b = block; b < block + count; b++)
        {
            if (_state[b] != Known)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Fills <paramref name="data"/> with what the blocks hold (each must be <see cref="AllKnown"/>).</summary>
    public void FillKnown(Span<byte> data, long block, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var b = block + i;
            var bytes = data.Slice(i * NvmfWorkloadOptions.BlockBytes, NvmfWorkloadOptions.BlockBytes);
            if (_seed[b] == 0)
            {
                bytes.Clear();
            }
            else
            {
                DataPattern.Fill(bytes, BlockSeed(_seed[b], b));
            }
        }
    }

    /// <summary>Fills <paramref name="data"/> with what a write of <paramref name="seed"/> puts in <paramref name="count"/> blocks from <paramref name="block"/>.</summary>
    public static void Fill(Span<byte> data, long block, int count, ulong seed)
    {
        for (var i = 0; i < count; i++)
        {
            DataPattern.Fill(data.Slice(i * NvmfWorkloadOptions.BlockBytes, NvmfWorkloadOptions.BlockBytes), BlockSeed(seed, block + i));
        }
    }

    private static int Mismatch(ReadOnlySpan<byte> bytes, ulong seed, long block) =>
        seed == 0 ? bytes.IndexOfAnyExcept((byte)0) : DataPattern.FirstMismatch(bytes, BlockSeed(seed, block));

    private string Describe(long block, ReadOnlySpan<byte> bytes, int offset)
    {
        var seed = _seed[block];
        var expected = seed == 0 ? (byte)0 : DataPattern.ExpectedByte(BlockSeed(seed, block), offset);
        var what = _state[block] == Either
            ? string.Create(CultureInfo.InvariantCulture, $"the data of write 0x{seed:x16} or of the failed write 0x{_alt[block]:x16}")
            : seed == 0 ? "zeroes (never written)" : string.Create(CultureInfo.InvariantCulture, $"the data of the last successful write (0x{seed:x16})");
        return string.Create(CultureInfo.InvariantCulture,
            $"LBA {block} byte {offset} is 0x{bytes[offset]:x2}, expected 0x{expected:x2}: the block should hold {what}");
    }

    /// <summary>Each block of a write gets its own pattern, so a block landing at the wrong LBA is caught too.</summary>
    private static ulong BlockSeed(ulong seed, long block) => seed ^ ((ulong)(block + 1) * 0xD1B54A32D192ED03UL);
}
