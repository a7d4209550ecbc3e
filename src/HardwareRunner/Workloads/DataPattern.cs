using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// Seeded data for RDMA WRITEs: 64-bit words derived from (seed, word index), so the expected contents of a block
/// are one <c>ulong</c> and verification regenerates them instead of keeping a copy. Never allocates. Every write of
/// a sweep is filled and every read checked, so both run four words at a time where the CPU has the vector unit; the
/// words are the same integers either way (little-endian, as on the wire).
/// </summary>
internal static class DataPattern
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private const ulong Mix1 = 0xBF58476D1CE4E5B9UL;
    private const ulong Mix2 = 0x94D049BB133111EBUL;
    private const int Lanes = 4; // Vector256<ulong>

    /// <summary>Fills <paramref name="bytes"/> with the pattern of <paramref name="seed"/>.</summary>
    public static void Fill(Span<byte> bytes, ulong seed)
    {
        var words = bytes.Length / 8;
        var i = 0;
        if (Vectorised)
        {
            var out64 = MemoryMarshal.Cast<byte, ulong>(bytes);
            for (; i + Lanes <= words; i += Lanes)
            {
                Words(seed, i).CopyTo(out64.Slice(i, Lanes));
            }
        }

        for (; i < words; i++)
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
        var i = 0;
        if (Vectorised)
        {
            var in64 = MemoryMarshal.Cast<byte, ulong>(bytes);
            for (; i + Lanes <= words && Vector256.Create(in64.Slice(i, Lanes)) == Words(seed, i); i += Lanes)
            {
            }
        }

        for (; i < words; i++)
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

    // The words in memory order only on a little-endian CPU; a big-endian one takes the scalar path.
    private static bool Vectorised => Vector256.IsHardwareAccelerated && BitConverter.IsLittleEndian;

    private static ulong Word(ulong seed, int index)
    {
        var z = seed + ((ulong)(index + 1) * Golden);
        z = (z ^ (z >> 30)) * Mix1;
        z = (z ^ (z >> 27)) * Mix2;
        return z ^ (z >> 31);
    }

    /// <summary><see cref="Word"/> of indices <paramref name="first"/> .. +3, one per lane.</summary>
    private static Vector256<ulong> Words(ulong seed, int first)
    {
        var index = Vector256.Create((ulong)first + 1, (ulong)first + 2, (ulong)first + 3, (ulong)first + 4);
        var z = Vector256.Create(seed) + (index * Golden);
        z = (z ^ (z >>> 30)) * Mix1;
        z = (z ^ (z >>> 27)) * Mix2;
        return z ^ (z >>> 31);
    }
}
