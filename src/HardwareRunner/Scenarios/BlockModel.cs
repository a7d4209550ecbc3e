using System.Buffers.Binary;
using System.Globalization;

namespace Harness.HardwareRunner.Scenarios;

/// <summary>
/// What each block may hold, for checking reads of a command list. NVMe orders nothing between commands in flight at
/// the same time (TP 4 "Command Ordering": the controller may execute them in any order), so a block may hold any write
/// that no later write has superseded, where W supersedes X only if X succeeded before W was submitted (X happened
/// before W). Writes still in flight, and failed writes (which may or may not have landed, and may land later), are
/// never superseded. A block's data is its tag, its LBA and bytes derived from both, so a read shows exactly which
/// write it returns.
/// </summary>
public sealed class BlockModel
{
    /// <summary>Bytes of one block.</summary>
    public const int BlockBytes = 4096;

    /// <summary>The tag of "never written" (zeroes), which every successful write supersedes.</summary>
    private const ulong NeverWritten = 0;

    private readonly Dictionary<long, HashSet<ulong>> _candidates = new();
    private readonly Dictionary<ulong, long> _submittedAt = new();
    private readonly Dictionary<ulong, long> _succeededAt = new() { [NeverWritten] = -1 };
    private long _now;
    private readonly List<OpenRead> _openReads = new();

    /// <summary>Blocks a read returned and the model confirmed.</summary>
    public long VerifiedBlocks { get; private set; }

    /// <summary>Fills <paramref name="data"/> (whole blocks from <paramref name="lba"/>) with write <paramref name="tag"/>'s pattern.</summary>
    public static void Fill(Span<byte> data, long lba, ulong tag)
    {
        for (var b = 0; b * BlockBytes < data.Length; b++)
        {
            var block = data.Slice(b * BlockBytes, BlockBytes);
            BinaryPrimitives.WriteUInt64LittleEndian(block, tag);
            BinaryPrimitives.WriteInt64LittleEndian(block[8..], lba + b);
            for (var i = 16; i < BlockBytes; i++)
            {
                block[i] = PatternByte(tag, lba + b, i);
            }
        }
    }

    /// <summary>A write of <paramref name="blocks"/> with <paramref name="tag"/> was submitted: it may land from now on.</summary>
    public void Submitted(long lba, int blocks, ulong tag)
    {
        if (tag == NeverWritten || !_submittedAt.TryAdd(tag, ++_now))
        {
            throw new ArgumentException($"write tag {tag} is zero or was submitted before: every write needs its own", nameof(tag));
        }

        for (var b = lba; b < lba + blocks; b++)
        {
            Candidates(b).Add(tag);
        }

        foreach (var read in _openReads)
        {
            read.WriteSubmitted(lba, blocks, tag);
        }
    }

    /// <summary>
    /// A read was submitted: it may return, per block, what the block may hold now or any write submitted before it
    /// completes (the target may execute it before or after a concurrent write, whichever completes first).
    /// </summary>
    public OpenRead ReadSubmitted(long lba, int blocks)
    {
        var allowed = new HashSet<ulong>[blocks];
        for (var b = 0; b < blocks; b++)
        {
            allowed[b] = new HashSet<ulong>(Candidates(lba + b));
        }

        var read = new OpenRead(this, lba, allowed);
        _openReads.Add(read);
        return read;
    }

    /// <summary>
    /// The write succeeded: from now on the blocks hold it or a write it does not supersede (one in flight, failed, or
    /// that succeeded after this one was submitted).
    /// </summary>
    public void Succeeded(long lba, int blocks, ulong tag)
    {
        if (!_submittedAt.TryGetValue(tag, out var submitted) || !_succeededAt.TryAdd(tag, ++_now))
        {
            throw new ArgumentException($"write #{tag} succeeded but was never submitted, or succeeded twice", nameof(tag));
        }

        for (var b = lba; b < lba + blocks; b++)
        {
            Candidates(b).RemoveWhere(x => x != tag && _succeededAt.TryGetValue(x, out var done) && done < submitted);
        }
    }

    /// <summary>
    /// Checks what a successful read returned (and closes it). Null when every block holds data the model allows, else
    /// what is wrong.
    /// </summary>
    public string? Verify(OpenRead read, ReadOnlySpan<byte> data)
    {
        Close(read);
        var lba = read.Lba;
        for (var b = 0; b * BlockBytes < data.Length; b++)
        {
            var block = data.Slice(b * BlockBytes, BlockBytes);
            var allowed = read.Allowed[b];
            var problem = Decode(block, lba + b, out var tag) ?? (allowed.Contains(tag) ? null
                : Inv($"it holds write #{tag}, but the writes it may hold (before the read completed) are {Describe(allowed)}"));
            if (problem != null)
            {
                return Inv($"block {lba + b}: {problem}");
            }

            VerifiedBlocks++;
        }

        return null;
    }

    /// <summary>The one write <paramref name="block"/> may hold now (0: never written), or null when several may be there.</summary>
    public ulong? OnlyCandidate(long block)
    {
        var set = Candidates(block);
        return set.Count == 1 ? set.First() : null;
    }

    /// <summary>A read that failed or was aborted: it checks nothing.</summary>
    public void Close(OpenRead read) => _openReads.Remove(read);

    private static string? Decode(ReadOnlySpan<byte> block, long lba, out ulong tag)
    {
        tag = BinaryPrimitives.ReadUInt64LittleEndian(block);
        if (tag == 0)
        {
            return block.ContainsAnyExcept((byte)0) ? "it is neither zeroes (never written) nor any write's data" : null;
        }

        if (BinaryPrimitives.ReadInt64LittleEndian(block[8..]) != lba)
        {
            return Inv($"it holds data written for LBA {BinaryPrimitives.ReadInt64LittleEndian(block[8..])}");
        }

        for (var i = 16; i < BlockBytes; i++)
        {
            if (block[i] != PatternByte(tag, lba, i))
            {
                return Inv($"byte {i} is 0x{block[i]:x2}, not write #{tag}'s 0x{PatternByte(tag, lba, i):x2}");
            }
        }

        return null;
    }

    private static byte PatternByte(ulong tag, long lba, int i) => (byte)((tag * 131) + ((ulong)lba * 17) + ((ulong)i * 7) + ((ulong)i >> 8));

    private HashSet<ulong> Candidates(long block)
    {
        if (!_candidates.TryGetValue(block, out var set))
        {
            set = new HashSet<ulong> { NeverWritten };
            _candidates.Add(block, set);
        }

        return set;
    }

    private static string Describe(HashSet<ulong> tags) =>
        string.Join(" or ", tags.Order().Select(t => t == 0 ? "none (zeroes)" : Inv($"#{t}")));

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>A read in flight: per block, the writes it may return.</summary>
    public sealed class OpenRead
    {
        internal OpenRead(BlockModel model, long lba, HashSet<ulong>[] allowed)
        {
            Model = model;
            Lba = lba;
            Allowed = allowed;
        }

        public long Lba { get; }

        internal BlockModel Model { get; }

        internal HashSet<ulong>[] Allowed { get; }

        internal void WriteSubmitted(long lba, int blocks, ulong tag)
        {
            for (var b = Math.Max(lba, Lba); b < Math.Min(lba + blocks, Lba + Allowed.Length); b++)
            {
                Allowed[b - Lba].Add(tag);
            }
        }
    }
}
