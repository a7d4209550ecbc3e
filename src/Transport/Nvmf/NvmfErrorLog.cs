using Harness.Transport.Invariants;
using Harness.Transport.Nvme;

namespace Harness.Transport.Nvmf;

/// <summary>
/// A controller's Error Information log (log page 0x01): a bounded ring of the most recent failed commands, read
/// newest first. <see cref="ErrorCount"/> is the entries' unique, increasing identifier (never 0 for a valid entry).
/// </summary>
public sealed class NvmfErrorLog
{
    /// <summary>RDMA, the Transport Type of every entry.</summary>
    public const byte TransportTypeRdma = 1;

    private readonly ErrorInformationLogEntry[] _ring;
    private int _next;

    /// <summary>An empty log keeping at most <paramref name="capacity"/> entries.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is outside 1..256.</exception>
    public NvmfErrorLog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, NvmfTargetOptions.ErrorLogEntriesLimit);
        _ring = new ErrorInformationLogEntry[capacity];
    }

    /// <summary>Entries kept at most (Identify ELPE + 1).</summary>
    public int Capacity => _ring.Length;

    /// <summary>Entries currently kept.</summary>
    public int Count { get; private set; }

    /// <summary>Errors recorded since the controller was created (the newest entry's Error Count).</summary>
    public ulong ErrorCount { get; private set; }

    /// <summary>Size of the log page in bytes (64 per entry the ring can hold).</summary>
    public int PageBytes => _ring.Length * ErrorInformationLogEntry.Size;

    /// <summary>The entry <paramref name="newestIndex"/> places back from the newest (0 = newest).</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such entry.</exception>
    public ErrorInformationLogEntry this[int newestIndex]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(newestIndex);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(newestIndex, Count);
            return _ring[(_next - 1 - newestIndex + (2 * _ring.Length)) % _ring.Length];
        }
    }

    /// <summary>Writes the whole log page (newest entry first, unused entries zero) into the first <see cref="PageBytes"/> bytes.</summary>
    public void WritePage(Span<byte> destination)
    {
        Check.That(destination.Length >= PageBytes, InvariantNames.DataIntegrity, (Need: PageBytes, Got: destination.Length), static s => $"error log page needs {s.Need} bytes, got {s.Got}");
        var page = destination[..PageBytes];
        page.Clear();
        for (var i = 0; i < Count; i++)
        {
            this[i].Encode(page.Slice(i * ErrorInformationLogEntry.Size, ErrorInformationLogEntry.Size));
        }
    }

    /// <summary>Records a failed command; the oldest entry goes when the ring is full.</summary>
    internal void Add(ushort sqid, ushort cid, NvmeStatus status, ulong lba, uint nsid)
    {
        ErrorCount++;
        _ring[_next] = new ErrorInformationLogEntry
        {
            ErrorCount = ErrorCount,
            Sqid = sqid,
            Cid = cid,
            Status = status,
            ParameterErrorLocation = 0xFFFF,
            Lba = lba,
            Nsid = nsid,
            TransportType = TransportTypeRdma,
        };
        _next = (_next + 1) % _ring.Length;
        Count = Math.Min(Count + 1, _ring.Length);
    }
}
