using System.Buffers;
using System.Diagnostics;

namespace Harness.Sim.Nic;

/// <summary>
/// Where simulated DMA memory comes from: arrays reused from one simulated world to the next (a Coyote test or a sweep
/// builds thousands of worlds, each with megabytes of queue and buffer-pool memory). Arrays come back zeroed, so a
/// world never sees another's bytes and a seed's trace does not depend on what ran before it. A private pool, not
/// <see cref="ArrayPool{T}.Shared"/>: other users of the shared pool return arrays without clearing them.
/// </summary>
internal static class SimDmaArrays
{
    /// <summary>
    /// Largest array kept for reuse; larger ones are left to the GC (bounds what the pool holds). Big enough for the
    /// target's small iobuf pool (4095 × 4 KiB, one region, as iobuf.c allocates it): left to the GC, that 16 MiB array
    /// was a fresh large-object allocation and about one gen-2 collection per seed of a sweep (a third of its CPU time).
    /// </summary>
    public const int PooledBytesMax = 32 << 20;

    /// <summary>Arrays kept per size class.</summary>
    public const int ArraysPerSizeMax = 32;

    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(PooledBytesMax, ArraysPerSizeMax);

    /// <summary>A zeroed array of at least <paramref name="length"/> bytes.</summary>
    public static byte[] Rent(int length)
    {
        var bytes = length <= PooledBytesMax ? Pool.Rent(length) : new byte[length];
        AssertZeroed(bytes);
        return bytes;
    }

    /// <summary>
    /// Gives <paramref name="bytes"/> back; the caller has cleared every byte it wrote (the pool does not clear again)
    /// and must not touch it again.
    /// </summary>
    public static void ReturnCleared(byte[] bytes)
    {
        if (bytes.Length <= PooledBytesMax)
        {
            Pool.Return(bytes, clearArray: false);
        }
    }

    /// <summary>
    /// Debug builds (the test suite) scan every array they reuse: a byte a world wrote and did not clear would make the
    /// next world's trace depend on the one before it. As costly as clearing, so not in Release.
    /// </summary>
    [Conditional("DEBUG")]
    private static void AssertZeroed(byte[] bytes)
    {
        var at = bytes.AsSpan().IndexOfAnyExcept((byte)0);
        if (at >= 0)
        {
            throw new InvalidOperationException($"reused DMA array of {bytes.Length} bytes has byte {at} = {bytes[at]}: a released buffer did not clear a page it wrote");
        }
    }
}
