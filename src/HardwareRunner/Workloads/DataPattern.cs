using System.Buffers.Binary;

namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// Seeded data for RDMA WRITEs: 64-bit words derived from (seed, word index), so the expected contents of a block
/// are one <c>ulong</c> and verification regenerates them instead of keeping a copy. Never allocates.
/// </summary>
internal static class DataPattern
{
    /// <summary>Fills <paramref name="bytes"/> with the pattern of <paramref name="seed"/>.</summary>
    public static void Fill(Span<byte> bytes, ulong seed)
    {
        var words = bytes.Length / 8;
        for (var i = 0; i < words; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.Slice(i * 8, 8), Word(seed, i));
        }

        var tail = bytes.Length - (words * 8);
        if (tail > 0)
        {
            Span<byte> last = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(last, Word(seed, words));
            last[..tail].CopyTo(bytes[(words * 8)..]);
        }
    }

    /// <summary>Offset of the first byte that differs from the pattern of <paramref name="seed"/>, or -1 when all match.</summary>
    public static int FirstMismatch(ReadOnlySpan<byte> bytes, ulong seed)
    {
        var words = bytes.Length / 8;
        for (var i = 0; i < words; i++)
        {
            var expected = Word(seed, i);
            var actual = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(i * 8, 8));
            if (actual != expected)
            {
                return (i * 8) + (System.Numerics.BitOperations.TrailingZeroCount(actual ^ expected) / 8);
            }
        }

        var tail = bytes.Length - (words * 8);
        if (tail > 0)
        {
            Span<byte> last = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(last, Word(seed, words));
            for (var j = 0; j < tail; j++)
            {
                if (bytes[(words * 8) + j] != last[j])
                {
                    return (words * 8) + j;
                }
            }
        }

        return -1;
    }

    /// <summary>The expected byte at <paramref name="offset"/> (for failure messages).</summary>
    public static byte ExpectedByte(ulong seed, int offset) => (byte)(Word(seed, offset / 8) >> (8 * (offset % 8)));

    private static ulong Word(ulong seed, int index)
    {
        var z = seed + ((ulong)(index + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
