namespace Harness.Transport.Verbs;

/// <summary>
/// Memory a NIC can reach by DMA: a virtual address range plus the CPU's view of it.
/// The native backend hands out pinned, page-aligned native memory; the simulator hands out
/// managed memory at synthetic addresses of the simulated host.
/// </summary>
public abstract class DmaBuffer
{
    /// <summary>Virtual address of the first byte, as the NIC sees it (what goes in an SGE or SGL).</summary>
    public abstract ulong Address { get; }

    /// <summary>Length in bytes.</summary>
    public abstract int Length { get; }

    /// <summary>The CPU's view of the whole memory. Prefer <see cref="Range"/> for a part of it.</summary>
    public abstract Span<byte> Span { get; }

    /// <summary>
    /// The CPU's view of the <paramref name="length"/> bytes at <paramref name="offset"/>. The simulator remembers which
    /// pages were reached this way (or all of them, through <see cref="Span"/>) so that it clears only those when its
    /// world ends.
    /// </summary>
    public virtual Span<byte> Range(int offset, int length) => Span.Slice(offset, length);

    /// <summary>The bytes at <paramref name="addr"/> .. +<paramref name="length"/>; throws if the range is outside.</summary>
    public Span<byte> Slice(ulong addr, int length)
    {
        if (addr < Address || addr - Address + (ulong)length > (ulong)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(addr), $"range 0x{addr:x}+{length} is outside buffer 0x{Address:x}+{Length}");
        }

        return Range((int)(addr - Address), length);
    }
}

/// <summary>Allocator of DMA-able memory for one host.</summary>
public interface IDmaMemory
{
    /// <summary>Allocates <paramref name="length"/> bytes, page-aligned, zeroed.</summary>
    DmaBuffer Allocate(int length);

    /// <summary>Returns memory; it must no longer be registered.</summary>
    void Free(DmaBuffer buffer);
}
