namespace Harness.Transport.Target;

/// <summary>The controller's view of a request's data: in-capsule, or the SGEs of its data WRs in order.</summary>
public sealed partial class NvmfRdmaTransport
{
    internal int CopyFromData(RdmaRequest req, int offset, Span<byte> destination)
    {
        if (req.InCapsuleData)
        {
            var icd = req.Resources.InCapsuleData(req.Recv!.Index).Slice((int)req.InCapsuleOffset, (int)req.Length);
            if (offset >= icd.Length)
            {
                return 0;
            }

            var n = Math.Min(icd.Length - offset, destination.Length);
            icd.Slice(offset, n).CopyTo(destination);
            return n;
        }

        Span<(ulong Addr, int Length)> segments = stackalloc (ulong, int)[RdmaRequest.BuffersMax];
        var count = MapRange(req, offset, destination.Length, segments);
        var iobuf = req.Qpair!.Poller!.Buffers;
        var copied = 0;
        for (var i = 0; i < count; i++)
        {
            iobuf.PoolAt(segments[i].Addr).Memory.Slice(segments[i].Addr, segments[i].Length).CopyTo(destination[copied..]);
            copied += segments[i].Length;
        }

        return copied;
    }

    internal int CopyToData(RdmaRequest req, int offset, ReadOnlySpan<byte> source)
    {
        Span<(ulong Addr, int Length)> segments = stackalloc (ulong, int)[RdmaRequest.BuffersMax];
        var count = MapRange(req, offset, source.Length, segments);
        var iobuf = req.Qpair!.Poller!.Buffers;
        var copied = 0;
        for (var i = 0; i < count; i++)
        {
            source.Slice(copied, segments[i].Length).CopyTo(iobuf.PoolAt(segments[i].Addr).Memory.Slice(segments[i].Addr, segments[i].Length));
            copied += segments[i].Length;
        }

        return copied;
    }

    /// <summary>Maps [offset, offset+length) of the request's data onto buffer ranges, in order.</summary>
    private static int MapRange(RdmaRequest req, int offset, int length, Span<(ulong Addr, int Length)> segments)
    {
        var count = 0;
        var mapped = 0;
        var position = 0;
        for (var w = 0; w < req.NumWrs && mapped < length; w++)
        {
            var wr = req.Wrs[w]!.Wr;
            for (var s = 0; s < wr.NumSge && mapped < length; s++)
            {
                var sge = wr.SgList[s];
                var start = Math.Max(0, offset - position);
                position += (int)sge.Length;
                if (start >= sge.Length)
                {
                    continue;
                }

                var n = Math.Min((int)sge.Length - start, length - mapped);
                segments[count++] = (sge.Addr + (ulong)start, n);
                mapped += n;
            }
        }

        return count;
    }
}
