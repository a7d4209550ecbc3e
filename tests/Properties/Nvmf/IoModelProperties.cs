using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Tests.Properties.Support;
using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>
/// Random sequences of Write / Read / Write Zeroes / Deallocate (in range and out of range) against a byte-array
/// model of the namespace: every read returns the model's bytes, every out-of-range command is LBA OUT OF RANGE and
/// changes nothing, and the store allocates no more than the chunks written.
/// </summary>
public sealed class IoModelProperties
{
    /// <summary>A small namespace (64 blocks of 512 bytes, 2 blocks per chunk) so commands overlap and cross chunks.</summary>
    private const int Blocks = 64;

    private const int BlockBytes = 512;

    private const int ChunkBytes = 1024;

    public enum Kind
    {
        Write,
        Read,
        WriteZeroes,
        Deallocate,
    }

    [HarnessProperty(MaxTest = 200)]
    public Property Reads_match_the_model()
    {
        var range = from lba in Gen.Frequency((6, Gen.Choose(0, Blocks - 1)), (1, Gen.Choose(Blocks - 4, Blocks + 4)))
                    from count in Gen.Choose(1, 9)
                    select (Lba: lba, Count: count);
        var op = from kind in Gen.Elements(Kind.Write, Kind.Write, Kind.Read, Kind.Read, Kind.WriteZeroes, Kind.Deallocate)
                 from ranges in Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(range, n))
                 from seed in Gen.Choose(0, 255)
                 select new Op(kind, ranges, seed);
        var ops = Gen.Choose(1, 40).SelectMany(n => Gen.ArrayOf(op, n));
        return Prop.ForAll(Arb.From(ops), Run);
    }

    [Fact]
    public void Overlapping_writes_across_chunks_then_partial_zeroing()
    {
        Run(new[]
        {
            new Op(Kind.Write, new[] { (1, 5) }, 1),
            new Op(Kind.Write, new[] { (3, 4) }, 2),
            new Op(Kind.WriteZeroes, new[] { (2, 1) }, 0),
            new Op(Kind.Deallocate, new[] { (5, 2), (62, 2) }, 0),
            new Op(Kind.Read, new[] { (0, 9) }, 0),
            new Op(Kind.Write, new[] { (63, 2) }, 3),
        });
    }

    private static void Run(Op[] ops)
    {
        var bed = new NvmfTestBed(new NvmfTargetOptions { BlockSize = BlockBytes, NamespaceBytes = Blocks * BlockBytes, ChunkBytes = ChunkBytes });
        var (_, io, _) = bed.ConnectAll();
        var model = new byte[Blocks * BlockBytes];
        var touched = new HashSet<int>();
        foreach (var op in ops)
        {
            Apply(bed, io, op, model, touched);
        }

        Assert.Equal(model, bed.Read(io, 0, Blocks).Data);
        var store = bed.Target.Namespace;
        Assert.True(store.ChunkCount <= touched.Count, $"{store.ChunkCount} chunks allocated, {touched.Count} written");
        for (var chunk = 0; chunk < model.Length / ChunkBytes; chunk++)
        {
            if (model.AsSpan(chunk * ChunkBytes, ChunkBytes).IndexOfAnyExcept((byte)0) >= 0)
            {
                Assert.Contains(chunk, touched);
            }
        }
    }

    private static void Apply(NvmfTestBed bed, FakeQpair io, Op op, byte[] model, HashSet<int> touched)
    {
        var (lba, count) = op.Ranges[0];
        var inRange = op.Ranges.All(r => r.Lba + r.Count <= Blocks);
        var expected = inRange ? NvmeStatus.Success : NvmeStatus.LbaOutOfRange;
        switch (op.Kind)
        {
            case Kind.Write:
                expected = lba + count <= Blocks ? NvmeStatus.Success : NvmeStatus.LbaOutOfRange;
                var data = bed.Pattern((ulong)lba, count, op.Seed);
                Assert.Equal(expected, bed.Write(io, (ulong)lba, data).Status);
                if (expected.IsSuccess)
                {
                    data.CopyTo(model, lba * BlockBytes);
                    for (var b = lba; b < lba + count; b++)
                    {
                        touched.Add(b * BlockBytes / ChunkBytes);
                    }
                }

                break;
            case Kind.Read:
                expected = lba + count <= Blocks ? NvmeStatus.Success : NvmeStatus.LbaOutOfRange;
                var read = bed.Read(io, (ulong)lba, count);
                Assert.Equal(expected, read.Status);
                if (expected.IsSuccess)
                {
                    Assert.Equal(model.AsSpan(lba * BlockBytes, count * BlockBytes).ToArray(), read.Data);
                }

                break;
            case Kind.WriteZeroes:
                expected = lba + count <= Blocks ? NvmeStatus.Success : NvmeStatus.LbaOutOfRange;
                Assert.Equal(expected, bed.WriteZeroes(io, (ulong)lba, count).Status);
                if (expected.IsSuccess)
                {
                    model.AsSpan(lba * BlockBytes, count * BlockBytes).Clear();
                }

                break;
            default:
                var ranges = op.Ranges.Select(r => new DsmRange { StartingLba = (ulong)r.Lba, LengthInBlocks = (uint)r.Count }).ToArray();
                Assert.Equal(expected, bed.Deallocate(io, ranges).Status);
                if (expected.IsSuccess)
                {
                    foreach (var r in op.Ranges)
                    {
                        model.AsSpan(r.Lba * BlockBytes, r.Count * BlockBytes).Clear();
                    }
                }

                break;
        }
    }

    public sealed record Op(Kind Kind, (int Lba, int Count)[] Ranges, int Seed)
    {
        public override string ToString() => $"{Kind} {string.Join(",", Ranges.Select(r => $"[{r.Lba}+{r.Count}]"))} seed {Seed}";
    }
}
