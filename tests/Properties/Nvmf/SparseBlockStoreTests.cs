using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Tests.Properties.Support;
using Harness.Transport.Nvmf;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>The sparse store: zeroes where nothing was written, memory proportional to what was written, bounded by its budget.</summary>
public sealed class SparseBlockStoreTests
{
    private const long TiB = 1L << 40;

    [Fact]
    public void Writes_scattered_over_1_tib_cost_one_chunk_each()
    {
        var store = new SparseBlockStore(4096, TiB / 4096, 65536, 1L << 30);
        var rng = new Random(42);
        var chunks = new HashSet<long>();
        var block = new byte[4096];
        for (var i = 0; i < 2000; i++)
        {
            var lba = (long)(rng.NextDouble() * ((TiB / 4096) - 1));
            rng.NextBytes(block);
            Assert.True(store.TryWrite(lba * 4096, block));
            chunks.Add(lba * 4096 / 65536);
        }

        Assert.Equal(chunks.Count, store.ChunkCount);
        Assert.Equal(chunks.Count * 65536L, store.BytesAllocated);
        Assert.True(store.BytesAllocated <= 2000L * 65536);
    }

    [Fact]
    public void Last_byte_of_a_1_tib_store_round_trips()
    {
        var store = new SparseBlockStore(4096, TiB / 4096, 65536, 1L << 20);
        Assert.True(store.TryWrite(TiB - 3, new byte[] { 1, 2, 3 }));
        var back = new byte[5];
        store.Read(TiB - 5, back);
        Assert.Equal(new byte[] { 0, 0, 1, 2, 3 }, back);
        Assert.Equal(65536, store.BytesAllocated);
        Assert.Throws<ArgumentOutOfRangeException>(() => store.Read(TiB - 2, new byte[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.TryWrite(-1, new byte[1]));
    }

    [Fact]
    public void Budget_is_never_exceeded_and_a_refused_write_changes_nothing()
    {
        var store = new SparseBlockStore(512, 1 << 20, 4096, 3 * 4096);
        Assert.True(store.TryWrite(0, new byte[4096 * 2]));
        Assert.False(store.TryWrite(4096 * 100, new byte[4096 * 2])); // needs two more chunks, one is left
        Assert.Equal(2 * 4096, store.BytesAllocated);
        var probe = new byte[4096 * 2];
        store.Read(4096 * 100, probe);
        Assert.All(probe, b => Assert.Equal(0, b));
        Assert.True(store.TryWrite(4096 * 100, new byte[10]));
        Assert.Equal(3 * 4096, store.BytesAllocated);
    }

    [Fact]
    public void Zero_releases_covered_chunks_and_clears_partial_ones()
    {
        var store = new SparseBlockStore(512, 1 << 20, 4096, 1L << 30);
        var ones = Enumerable.Repeat((byte)1, 3 * 4096).ToArray();
        store.TryWrite(4096, ones); // chunks 1, 2, 3
        store.Zero(4096 + 100, 4096 * 2); // chunk 2 covered; 1 and 3 partly
        Assert.Equal(2 * 4096, store.BytesAllocated);
        var back = new byte[3 * 4096];
        store.Read(4096, back);
        Assert.All(back.AsSpan(0, 100).ToArray(), b => Assert.Equal(1, b));
        Assert.All(back.AsSpan(100, 2 * 4096).ToArray(), b => Assert.Equal(0, b));
        Assert.All(back.AsSpan(100 + (2 * 4096)).ToArray(), b => Assert.Equal(1, b));

        store.Zero(0, 4096 + 100); // chunk 1 is now all zero: released
        Assert.Equal(4096, store.BytesAllocated);
        store.Zero(0, store.CapacityBytes); // wider than the allocated set: visits only allocated chunks
        Assert.Equal(0, store.BytesAllocated);
    }

    [HarnessProperty(MaxTest = 100)]
    public Property Scattered_writes_at_tib_offsets_read_back_and_stay_within_their_chunks()
    {
        const long blocks = TiB / 4096;
        var anchor = Gen.Elements(0L, blocks / 2, blocks - 67, 1L << 27, 123_456_789L);
        var lba = from a in anchor from d in Gen.Choose(0, 63) select a + d;
        var op = from l in lba from count in Gen.Choose(1, 4) from zero in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true))) from seed in Gen.Choose(1, 255) select (Lba: l, Count: count, Zero: zero, Seed: seed);
        return Prop.ForAll(Arb.From(Gen.Choose(1, 30).SelectMany(n => Gen.ArrayOf(op, n))), ops =>
        {
            var store = new SparseBlockStore(4096, (ulong)blocks, 65536, 64L * 65536);
            var model = new Dictionary<long, byte>();
            var chunks = new HashSet<long>();
            foreach (var (l, count, zero, seed) in ops)
            {
                if (zero)
                {
                    store.Zero(l * 4096, count * 4096L);
                    for (var b = l; b < l + count; b++)
                    {
                        model.Remove(b);
                    }

                    continue;
                }

                var data = Enumerable.Range(0, count * 4096).Select(i => (byte)(seed + (i / 4096))).ToArray();
                Assert.True(store.TryWrite(l * 4096, data));
                for (var b = l; b < l + count; b++)
                {
                    model[b] = (byte)(seed + (b - l));
                    chunks.Add(b * 4096 / 65536);
                }
            }

            var block = new byte[4096];
            foreach (var (l, count, _, _) in ops)
            {
                for (var b = l; b < l + count; b++)
                {
                    store.Read(b * 4096, block);
                    var expected = model.TryGetValue(b, out var v) ? v : (byte)0;
                    Assert.All(block, x => Assert.Equal(expected, x));
                }
            }

            Assert.True(store.ChunkCount <= chunks.Count);
        });
    }
}
