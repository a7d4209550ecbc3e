using Harness.Transport.Host;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host.Support;

/// <summary>Submitting with back-pressure and data patterns for the host tests.</summary>
public static class HostIo
{
    /// <summary>Submits; on EAGAIN runs the world until the qpair has a free slot and tries again.</summary>
    public static object Submit(HostBed bed, IoTracker tracker, NvmeRdmaQpair qpair, Func<object, int> submit)
    {
        while (true)
        {
            var ctx = tracker.Track();
            var rc = submit(ctx);
            if (rc == Errno.Ok)
            {
                return ctx;
            }

            tracker.Untrack(ctx);
            if (rc != Errno.EAGAIN)
            {
                throw new Xunit.Sdk.XunitException($"{qpair}: submit failed with {Errno.Name(rc)}");
            }

            bed.RunUntil(() => qpair.Outstanding < qpair.NumEntries, $"a free slot on {qpair}");
        }
    }

    /// <summary>Fills a range with bytes that depend on <paramref name="tag"/> and the position.</summary>
    public static void Fill(Span<byte> bytes, int tag)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((tag * 131) + (i * 7) + (i >> 8));
        }
    }
}
