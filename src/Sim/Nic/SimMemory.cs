using Harness.Transport.Verbs;

namespace Harness.Sim.Nic;

/// <summary>Managed memory at a synthetic, page-aligned virtual address of a simulated host.</summary>
public sealed class SimDmaBuffer : DmaBuffer
{
    private readonly byte[] _bytes;

    internal SimDmaBuffer(ulong address, int length)
    {
        Address = address;
        _bytes = new byte[length];
    }

    /// <inheritdoc/>
    public override ulong Address { get; }

    /// <inheritdoc/>
    public override int Length => _bytes.Length;

    /// <inheritdoc/>
    public override Span<byte> Span => _bytes;

    /// <summary>Set when the buffer is freed; a freed buffer must not be registered or accessed.</summary>
    public bool Freed { get; internal set; }
}

/// <summary>
/// A simulated host's address space for DMA buffers: deterministic addresses, a guard page between buffers so an
/// off-by-one is never silently another buffer.
/// </summary>
public sealed class SimMemory : IDmaMemory
{
    /// <summary>Page size, also the buffer alignment.</summary>
    public const int PageBytes = 4096;

    /// <summary>Largest single buffer (1 GiB).</summary>
    public const int BufferBytesMax = 1 << 30;

    private const ulong BaseAddress = 0x7f00_0000_0000UL;
    private readonly object _gate;
    private readonly List<SimDmaBuffer> _buffers = new();
    private ulong _next = BaseAddress;

    internal SimMemory(object gate) => _gate = gate;

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
                bytes = ok ? b.Span.Slice((int)(addr - b.Address), length) : default;
                return ok;
            }
        }

        bytes = default;
        return false;
    }
}
