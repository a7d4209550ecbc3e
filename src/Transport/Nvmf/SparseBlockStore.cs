using Harness.Transport.Invariants;

namespace Harness.Transport.Nvmf;

/// <summary>
/// A sparse in-memory namespace: fixed-size chunks allocated on first write, looked up by chunk index. Bytes never
/// written (or deallocated) read as zeroes, so a 1 TiB namespace costs only what is written, and
/// <see cref="BytesAllocated"/> never exceeds <see cref="MemoryBytesMax"/>.
/// </summary>
/// <remarks>
/// Reads and writes hand out spans of the chunks themselves (<see cref="ReadSegment"/>, <see cref="WriteSegment"/>),
/// so moving data to and from a request costs no allocation beyond a chunk's first touch. The dictionary is only
/// looked up, except in <see cref="Zero"/> over a range wider than the allocated set, where each allocated chunk is
/// visited once and treated independently (the result does not depend on the visiting order).
/// </remarks>
public sealed class SparseBlockStore
{
    /// <summary>Largest allocation unit.</summary>
    public const int ChunkBytesMax = 1 << 24;

    private readonly Dictionary<long, byte[]> _chunks = new();
    private readonly List<long> _keyScratch = new();
    private readonly byte[] _zeros;
    private readonly int _chunkShift;

    /// <summary>Creates an empty store of <paramref name="blockCount"/> blocks of <paramref name="blockSize"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, not a power of two where required, or too large.</exception>
    public SparseBlockStore(uint blockSize, ulong blockCount, int chunkBytes, long memoryBytesMax)
    {
        ArgumentOutOfRangeException.ThrowIfZero(blockSize);
        ArgumentOutOfRangeException.ThrowIfZero(blockCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockCount, (ulong)long.MaxValue / blockSize);
        if (chunkBytes < blockSize || chunkBytes > ChunkBytesMax || (chunkBytes & (chunkBytes - 1)) != 0 || chunkBytes % blockSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkBytes), chunkBytes, "A chunk is a power of two of whole blocks, at most 16 MiB.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(memoryBytesMax);
        BlockSize = blockSize;
        BlockCount = blockCount;
        CapacityBytes = (long)(blockCount * blockSize);
        ChunkBytes = chunkBytes;
        MemoryBytesMax = memoryBytesMax;
        _chunkShift = System.Numerics.BitOperations.Log2((uint)chunkBytes);
        _zeros = new byte[chunkBytes];
    }

    /// <summary>Logical block size in bytes.</summary>
    public uint BlockSize { get; }

    /// <summary>Number of logical blocks.</summary>
    public ulong BlockCount { get; }

    /// <summary>Size of the namespace in bytes.</summary>
    public long CapacityBytes { get; }

    /// <summary>Allocation unit in bytes.</summary>
    public int ChunkBytes { get; }

    /// <summary>Most bytes the chunks may take.</summary>
    public long MemoryBytesMax { get; }

    /// <summary>Chunks currently allocated.</summary>
    public int ChunkCount => _chunks.Count;

    /// <summary>Bytes of chunk memory currently allocated (the store's whole data footprint).</summary>
    public long BytesAllocated => (long)_chunks.Count * ChunkBytes;

    /// <summary>True when blocks [<paramref name="lba"/>, <paramref name="lba"/> + <paramref name="count"/>) lie in the namespace (no overflow).</summary>
    public bool ContainsBlocks(ulong lba, ulong count) => count <= BlockCount && lba <= BlockCount - count;

    /// <summary>True when writing [<paramref name="offset"/>, +<paramref name="length"/>) stays within <see cref="MemoryBytesMax"/>.</summary>
    public bool CanWrite(long offset, long length)
    {
        CheckRange(offset, length);
        if (length == 0)
        {
            return true;
        }

        long missing = 0;
        for (var key = offset >> _chunkShift; key <= (offset + length - 1) >> _chunkShift; key++)
        {
            missing += _chunks.ContainsKey(key) ? 0 : 1;
        }

        return BytesAllocated + (missing * ChunkBytes) <= MemoryBytesMax;
    }

    /// <summary>
    /// The stored bytes from <paramref name="offset"/> up to the end of its chunk or <paramref name="length"/>
    /// bytes, whichever is shorter (zeroes when never written). Never allocates.
    /// </summary>
    public ReadOnlySpan<byte> ReadSegment(long offset, long length)
    {
        CheckRange(offset, length);
        var within = (int)(offset & (ChunkBytes - 1));
        var count = (int)Math.Min(length, ChunkBytes - within);
        return _chunks.TryGetValue(offset >> _chunkShift, out var chunk)
            ? chunk.AsSpan(within, count)
            : _zeros.AsSpan(0, count);
    }

    /// <summary>
    /// Writable bytes from <paramref name="offset"/> up to the end of its chunk or <paramref name="length"/> bytes,
    /// allocating the chunk on first touch. Check <see cref="CanWrite"/> first: exceeding the budget is an invariant violation.
    /// </summary>
    public Span<byte> WriteSegment(long offset, long length)
    {
        CheckRange(offset, length);
        var key = offset >> _chunkShift;
        if (!_chunks.TryGetValue(key, out var chunk))
        {
            Check.That(BytesAllocated + ChunkBytes <= MemoryBytesMax, InvariantNames.DataIntegrity, (Store: this, Key: key), static s =>
                $"sparse store: allocating chunk {s.Key} would exceed {s.Store.MemoryBytesMax} bytes (allocated {s.Store.BytesAllocated})");
            chunk = new byte[ChunkBytes];
            _chunks.Add(key, chunk);
        }

        var within = (int)(offset & (ChunkBytes - 1));
        return chunk.AsSpan(within, (int)Math.Min(length, ChunkBytes - within));
    }

    /// <summary>Copies the bytes at <paramref name="offset"/> into <paramref name="destination"/> (zeroes where never written).</summary>
    public void Read(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        var done = 0;
        while (done < destination.Length)
        {
            var segment = ReadSegment(offset + done, destination.Length - done);
            segment.CopyTo(destination[done..]);
            done += segment.Length;
        }
    }

    /// <summary>Stores <paramref name="source"/> at <paramref name="offset"/>; false (nothing written) when the memory budget would be exceeded.</summary>
    public bool TryWrite(long offset, ReadOnlySpan<byte> source)
    {
        if (!CanWrite(offset, source.Length))
        {
            return false;
        }

        var done = 0;
        while (done < source.Length)
        {
            var segment = WriteSegment(offset + done, source.Length - done);
            source.Slice(done, segment.Length).CopyTo(segment);
            done += segment.Length;
        }

        return true;
    }

    /// <summary>
    /// Makes [<paramref name="offset"/>, +<paramref name="length"/>) read as zeroes (Write Zeroes, deallocate): chunks
    /// covered entirely, or left all zero, are released; partly covered ones are cleared in place.
    /// </summary>
    public void Zero(long offset, long length)
    {
        CheckRange(offset, length);
        if (length == 0 || _chunks.Count == 0)
        {
            return;
        }

        var first = offset >> _chunkShift;
        var last = (offset + length - 1) >> _chunkShift;
        if (last - first + 1 <= _chunks.Count)
        {
            for (var key = first; key <= last; key++)
            {
                ZeroChunk(key, offset, length);
            }

            return;
        }

        _keyScratch.Clear();
        foreach (var key in _chunks.Keys)
        {
            if (key >= first && key <= last)
            {
                _keyScratch.Add(key); // each chunk is zeroed independently: the visiting order does not matter
            }
        }

        foreach (var key in _keyScratch)
        {
            ZeroChunk(key, offset, length);
        }
    }

    private void ZeroChunk(long key, long offset, long length)
    {
        if (!_chunks.TryGetValue(key, out var chunk))
        {
            return;
        }

        var chunkStart = key << _chunkShift;
        var from = Math.Max(offset, chunkStart) - chunkStart;
        var to = Math.Min(offset + length, chunkStart + ChunkBytes) - chunkStart;
        if (to - from < ChunkBytes)
        {
            chunk.AsSpan((int)from, (int)(to - from)).Clear();
        }

        if (to - from == ChunkBytes || chunk.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            _chunks.Remove(key);
        }
    }

    private void CheckRange(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset > CapacityBytes || length > CapacityBytes - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) is outside the namespace (0..{CapacityBytes}).");
        }
    }
}
