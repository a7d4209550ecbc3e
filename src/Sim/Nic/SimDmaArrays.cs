using System.Buffers;

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
    public static byte[] Rent(int length) => length <= PooledBytesMax ? Pool.Rent(length) : new byte[length];

    /// <summary>Gives <paramref name="bytes"/> back, cleared; the caller must not touch it again.</summary>
    public static void Return(byte[] bytes)
    {
        if (bytes.Length <= PooledBytesMax)
        {
            Pool.Return(bytes, clearArray: true);
        }
    }
}
