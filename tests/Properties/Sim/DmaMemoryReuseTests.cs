using System.Net;
using FsCheck;
using FsCheck.Fluent;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Nic;
using Harness.Tests.Properties.Support;

namespace Harness.Tests.Properties.Sim;

/// <summary>
/// A world's DMA arrays are reused by the next world, so every byte a world wrote must be zero again when its buffer
/// is released: otherwise a seed's trace would depend on the seeds run before it in the same process. A released buffer
/// clears only the pages it handed out; these tests write through every way to reach the bytes and look at the array
/// the release gives back.
/// </summary>
public sealed class DmaMemoryReuseTests
{
    private const int BufferBytes = (8 * SimMemory.PageBytes) + 100; // a partial last page

    [Fact]
    public void Bytes_written_through_ranges_addresses_and_the_whole_span_are_cleared_at_release()
    {
        using var fabric = new SimFabric(new SimOptions());
        var memory = fabric.AddHost("h", IPAddress.Parse("192.0.2.1")).MemoryImpl;

        var ranges = (SimDmaBuffer)memory.Allocate(BufferBytes);
        ranges.Range(0, 1)[0] = 1;
        ranges.Range((5 * SimMemory.PageBytes) - 2, 4).Fill(2); // across a page boundary
        ranges.Slice(ranges.Address + (ulong)BufferBytes - 1, 1)[0] = 3; // the partial last page, by address
        Assert.True(memory.TryResolve(ranges.Address + (3 * SimMemory.PageBytes), 8, out var resolved));
        resolved.Fill(4); // the NIC's path
        AssertZeroAfterRelease(ranges);

        var whole = (SimDmaBuffer)memory.Allocate(BufferBytes);
        whole.Span[SimMemory.PageBytes * 7] = 5;
        AssertZeroAfterRelease(whole);
    }

    [Fact]
    public void A_buffer_never_touched_gives_back_no_array()
    {
        using var fabric = new SimFabric(new SimOptions());
        var buffer = (SimDmaBuffer)fabric.AddHost("h", IPAddress.Parse("192.0.2.1")).MemoryImpl.Allocate(BufferBytes);
        Assert.Null(buffer.Detach());
        Assert.Throws<ObjectDisposedException>(() => buffer.Range(0, 1));
    }

    [HarnessProperty(MaxTest = 100)]
    public Property Any_writes_through_ranges_are_cleared_at_release()
    {
        var write = from offset in Gen.Choose(0, BufferBytes - 1)
                    from length in Gen.Choose(1, 3 * SimMemory.PageBytes)
                    select (offset, Math.Min(length, BufferBytes - offset));
        return Prop.ForAll(Arb.From(Gen.NonEmptyListOf(write)), writes =>
        {
            using var fabric = new SimFabric(new SimOptions());
            var buffer = (SimDmaBuffer)fabric.AddHost("h", IPAddress.Parse("192.0.2.1")).MemoryImpl.Allocate(BufferBytes);
            foreach (var (offset, length) in writes)
            {
                buffer.Range(offset, length).Fill(0xA5);
            }

            AssertZeroAfterRelease(buffer);
        });
    }

    private static void AssertZeroAfterRelease(SimDmaBuffer buffer)
    {
        var bytes = buffer.Detach()!;
        var dirty = bytes.AsSpan().IndexOfAnyExcept((byte)0);
        Assert.True(dirty < 0, $"byte {dirty} of a released {BufferBytes}-byte buffer is {(dirty < 0 ? 0 : bytes[dirty])}, not cleared");
    }
}
