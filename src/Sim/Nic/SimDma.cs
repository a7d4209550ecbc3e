using Harness.Transport.Verbs;

namespace Harness.Sim.Nic;

/// <summary>The NIC's DMA engine: key/bounds/access checks and copies between SGE lists, without allocating.</summary>
internal static class SimDma
{
    /// <summary>True when every SGE names a live MR of <paramref name="pd"/> with <paramref name="needed"/> access and lies inside it.</summary>
    public static bool ValidateLocal(SimDevice device, SimPd pd, ReadOnlySpan<Sge> sges, AccessFlags needed)
    {
        foreach (ref readonly var sge in sges)
        {
            if (sge.Length == 0)
            {
                continue;
            }

            var mr = device.FindMr(sge.Lkey);
            if (mr == null || mr.Pd != pd || (mr.Access & needed) != needed || !mr.Contains(sge.Addr, sge.Length))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the remote range is inside a live MR of the responder's PD that grants <paramref name="needed"/>.</summary>
    public static bool ValidateRemote(SimDevice device, SimPd pd, ulong addr, ulong length, uint rkey, AccessFlags needed)
    {
        var mr = device.FindMr(rkey);
        return mr != null && mr.Pd == pd && (mr.Access & needed) == needed && mr.Contains(addr, length);
    }

    /// <summary>Copies the bytes described by <paramref name="src"/> into those described by <paramref name="dst"/> (both validated).</summary>
    public static void Copy(SimDevice srcDevice, ReadOnlySpan<Sge> src, SimDevice dstDevice, ReadOnlySpan<Sge> dst)
    {
        int si = 0, di = 0;
        uint so = 0, dOff = 0;
        while (si < src.Length && di < dst.Length)
        {
            var s = src[si];
            var d = dst[di];
            var n = Math.Min(s.Length - so, d.Length - dOff);
            if (n > 0)
            {
                srcDevice.FindMr(s.Lkey)!.Resolve(s.Addr + so, n).CopyTo(dstDevice.FindMr(d.Lkey)!.Resolve(d.Addr + dOff, n));
            }

            so += n;
            dOff += n;
            if (so == s.Length)
            {
                si++;
                so = 0;
            }

            if (dOff == d.Length)
            {
                di++;
                dOff = 0;
            }
        }
    }

    /// <summary>Copies raw bytes (inline data) into the validated SGE list <paramref name="dst"/>.</summary>
    public static void CopyFromBytes(ReadOnlySpan<byte> src, SimDevice dstDevice, ReadOnlySpan<Sge> dst)
    {
        var offset = 0;
        foreach (ref readonly var d in dst)
        {
            if (offset >= src.Length)
            {
                return;
            }

            var n = Math.Min((int)d.Length, src.Length - offset);
            src.Slice(offset, n).CopyTo(dstDevice.FindMr(d.Lkey)!.Resolve(d.Addr, (uint)n));
            offset += n;
        }
    }

    /// <summary>Decodes the IB "minimum RNR NAK timer" field into nanoseconds.</summary>
    public static long RnrTimerNs(byte code) => code switch
    {
        0 => 655_360_000,
        _ => RnrTable[Math.Min((int)code, 31)] * 10_000L,
    };

    // In units of 10 µs: 0.01 ms .. 491.52 ms (IB spec table for codes 1..31).
    private static readonly int[] RnrTable =
    {
        0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096,
        6144, 8192, 12288, 16384, 24576, 32768, 49152,
    };
}
