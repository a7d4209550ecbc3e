using FsCheck;
using FsCheck.Fluent;
using Harness.HardwareRunner.Workloads;
using Harness.Tests.Properties.Support;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// The workload's write data and its read check agree byte for byte with the pattern's definition (one 64-bit word per
/// (seed, index), little-endian), whatever the length and alignment, and a read check names the first wrong byte.
/// </summary>
public sealed class DataPatternTests
{
    [HarnessProperty(MaxTest = 200)]
    public Property Fill_writes_the_defined_bytes_and_the_check_finds_the_first_wrong_one()
    {
        var gen = from seed in ArbMap.Default.GeneratorFor<ulong>()
                  from length in Gen.Choose(0, 9000)
                  from start in Gen.Choose(0, 7) // unaligned spans too
                  from flip in Gen.Choose(0, Math.Max(0, length - 1))
                  select (seed, length, start, flip);
        return Prop.ForAll(Arb.From(gen), c =>
        {
            var bytes = new byte[c.length + c.start].AsSpan(c.start);
            DataPattern.Fill(bytes, c.seed);
            for (var i = 0; i < bytes.Length; i++)
            {
                Assert.True(bytes[i] == DataPattern.ExpectedByte(c.seed, i), $"byte {i} of {c.length}: {bytes[i]} but the pattern says {DataPattern.ExpectedByte(c.seed, i)}");
            }

            Assert.Equal(-1, DataPattern.FirstMismatch(bytes, c.seed));
            if (c.length > 0)
            {
                bytes[c.flip] ^= 0x10;
                Assert.Equal(c.flip, DataPattern.FirstMismatch(bytes, c.seed));
            }
        });
    }

    [Fact]
    public void The_pattern_is_splitmix64_of_seed_and_word_index()
    {
        Span<byte> bytes = stackalloc byte[16];
        DataPattern.Fill(bytes, 0x1234);
        Assert.Equal("8838E2D5872F645FB54C033D53784D5A", Convert.ToHexString(bytes));
    }
}
