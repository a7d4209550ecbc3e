using Harness.Transport.Verbs;

namespace Harness.Sim.Nic;

/// <summary>
/// Managed memory at a synthetic, page-aligned virtual address of a simulated host. It remembers which pages were
/// reached (<see cref="Range"/>) so that the world's end clears only those: a target's small iobuf pool is one 16 MiB
/// region of which a seed touches a few dozen buffers, and clearing all of it was a twentieth of a sweep's CPU.
/// </summary>
public sealed class SimDmaBuffer : DmaBuffer
{
    private readonly int _length;
    private byte[]? _bytes; // rented on first access: most pool buffers of a short run are never touched
    private readonly ulong[] _dirtyPages; // one bit per page reached through Range; only ever set until Release
    private volatile bool _allDirty; // the whole span was handed out
    private bool _released;

    internal SimDmaBuffer(ulong address, int length)
    {
        Address = address;
        _length = length;
        var pages = (length + SimMemory.PageBytes - 1) >> SimMemory.PageShift;
        _dirtyPages = new ulong[(pages + 63) >> 6]; // here, not at first touch: another thread's Range never sees it missing
    }

    /// <inheritdoc/>
    public override ulong Address { get; }

    /// <inheritdoc/>
    public override int Length => _length;

    /// <inheritdoc/>
    public override Span<byte> Span
    {
        get
        {
            var bytes = _bytes ?? Materialise();
            _allDirty = true;
            return bytes.AsSpan(0, _length);
        }
    }

    /// <summary>Set when the buffer is freed; a freed buffer must not be registered or accessed.</summary>
    public bool Freed { get; internal set; }

    /// <inheritdoc/>
    public override Span<byte> Range(int offset, int length)
    {
        var span = (_bytes ?? Materialise()).AsSpan(0, _length).Slice(offset, length); // bounds checked here
        if (length > 0 && !_allDirty)
        {
            MarkDirty(offset >> SimMemory.PageShift, (offset + length - 1) >> SimMemory.PageShift);
        }

        return span;
    }

    /// <summary>The world is gone: the pages reached are cleared and the bytes go back to <see cref="SimDmaArrays"/>; any later access fails.</summary>
    internal void Release()
    {
        if (Detach() is { } bytes)
        {
            SimDmaArrays.ReturnCleared(bytes);
        }
    }

    /// <summary>Ends every access and clears the pages reached; the array, or null when it was never touched.</summary>
    internal byte[]? Detach()
    {
        _released = true;
        if (Interlocked.Exchange(ref _bytes, null) is not { } bytes)
        {
            return null;
        }

        if (_allDirty)
        {
            bytes.AsSpan(0, _length).Clear();
        }
        else
        {
            ClearDirtyPages(bytes);
        }

        return bytes;
    }

    private void MarkDirty(int firstPage, int lastPage)
    {
        var dirty = _dirtyPages;
        for (var page = firstPage; page <= lastPage; page++)
        {
            ref var word = ref dirty[page >> 6];
            var bit = 1UL << (page & 63);
            if ((word & bit) == 0)
            {
                Interlocked.Or(ref word, bit); // two threads may mark pages of one word at once
            }
        }
    }

    private void ClearDirtyPages(byte[] bytes)
    {
        var dirty = _dirtyPages;
        for (var w = 0; w < dirty.Length; w++)
        {
            for (var bits = dirty[w]; bits != 0; bits &= bits - 1)
            {
                var start = ((w << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits)) << SimMemory.PageShift;
                bytes.AsSpan(start, Math.Min(1 << SimMemory.PageShift, _length - start)).Clear();
            }
        }
    }

    private byte[] Materialise()
    {
        if (_released)
        {
            throw new ObjectDisposedException($"DMA buffer 0x{Address:x}+{_length}", "its simulated fabric was disposed");
        }

        var fresh = SimDmaArrays.Rent(_length); // zeroed, as a buffer that was never touched reads
        if (Interlocked.CompareExchange(ref _bytes, fresh, null) is { } first)
        {
            SimDmaArrays.ReturnCleared(fresh); // two threads' first touch: the first one's array (this one untouched)
            return first;
        }

        return fresh;
    }
}

/// <summary>
/// A simulated host's address space for DMA buffers: deterministic addresses, a guard page between buffers so an
/// off-by-one is never silently another buffer.
/// </summary>
public sealed class SimMemory : IDmaMemory
{
    /// <summary>log2 of <see cref="PageBytes"/>.</summary>
    public const int PageShift = 12;

    /// <summary>Page size, also the buffer alignment.</summary>
    public const int PageBytes = 1 << PageShift;

    /// <summary>Largest single buffer (1 GiB).</summary>
    public const int BufferBytesMax = 1 << 30;

    private const ulong BaseAddress = 0x7f00_0000_0000UL;
    private readonly Lock _gate;
    private readonly List<SimDmaBuffer> _buffers = new();
    private ulong _next = BaseAddress;

    internal SimMemory(Lock gate) => _gate = gate;

    /// <summary>Bytes currently allocated.</summary>
    public long AllocatedBytes { get; private set; }

    /// <summary>Buffers currently allocated.</summary>
    public int AllocatedBuffers { get; private set; }

    /// <inheritdoc/>
    public DmaBuffer Allocate(int length)
    {
        if (length <= 0 || length > BufferBytesMax)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"DMA buffer length must be 1..{BufferBytesMax}");
        }

        lock (_gate)
        {
            var buffer = new SimDmaBuffer(_next, length);
            _buffers.Add(buffer);
            var pages = ((ulong)length + PageBytes - 1) / PageBytes;
            _next += (pages + 1) * PageBytes;
            AllocatedBytes += length;
            AllocatedBuffers++;
            return buffer;
        }
    }

    /// <inheritdoc/>
    public void Free(DmaBuffer buffer)
    {
        lock (_gate)
        {
            if (buffer is not SimDmaBuffer sim || sim.Freed)
            {
                throw new InvalidOperationException($"buffer 0x{buffer.Address:x} is not a live simulated buffer (double free?)");
            }

            sim.Freed = true;
            _buffers.Remove(sim);
            AllocatedBytes -= sim.Length;
            AllocatedBuffers--;
        }
    }

    /// <summary>The fabric is disposed: every live buffer's bytes go back to <see cref="SimDmaArrays"/>.</summary>
    internal void ReleaseAll()
    {
        lock (_gate)
        {
            foreach (var buffer in _buffers)
            {
                buffer.Release();
            }
        }
    }

    /// <summary>
    /// The CPU's view of [addr, addr+length) when it lies inside one live buffer (what the NIC's inline-data copy and
    /// the simulator's own checks use). Binary search: buffers are kept in address order.
    /// </summary>
    internal bool TryResolve(ulong addr, int length, out Span<byte> bytes)
    {
        int lo = 0, hi = _buffers.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var b = _buffers[mid];
            if (addr < b.Address)
            {
                hi = mid - 1;
            }
            else if (addr - b.Address >= (ulong)b.Length)
            {
                lo = mid + 1;
            }
            else
            {
                var ok = addr - b.Address + (ulong)length <= (ulong)b.Length;
                bytes = ok ? b.Range((int)(addr - b.Address), length) : default;
                return ok;
            }
        }

        bytes = default;
        return false;
    }
}
