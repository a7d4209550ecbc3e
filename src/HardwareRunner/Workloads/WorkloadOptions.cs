using System.Net;

namespace Harness.HardwareRunner.Workloads;

/// <summary>Parameters of the ping-pong workload (what <c>harness run</c> passes in).</summary>
public sealed record WorkloadOptions
{
    /// <summary>Largest number of connections (qpairs) one run may open.</summary>
    public const int QpairsMax = 256;

    /// <summary>Largest queue depth per qpair.</summary>
    public const int QueueDepthMax = 1024;

    /// <summary>Largest I/O size in bytes.</summary>
    public const int IoSizeMax = 1 << 20;

    /// <summary>Largest target memory (all qpairs' data regions together).</summary>
    public const long TargetBytesMax = 1L << 30;

    /// <summary>Operations in total, split across the qpairs.</summary>
    public int Ios { get; init; } = 2000;

    /// <summary>Connections the host opens.</summary>
    public int Qpairs { get; init; } = 1;

    /// <summary>Operations in flight per qpair.</summary>
    public int QueueDepth { get; init; } = 16;

    /// <summary>Bytes per RDMA WRITE / READ.</summary>
    public int IoSize { get; init; } = 4096;

    /// <summary>Probability that an operation is a read-back (when a written, idle block exists).</summary>
    public double ReadFraction { get; init; } = 0.4;

    /// <summary>The target's address and port (NVMe-oF's 4420).</summary>
    public IPEndPoint TargetAddress { get; init; } = new(IPAddress.Parse("192.0.2.1"), 4420);

    /// <summary>No operation completing and no CM event for this long (stack clock) is a stall.</summary>
    public long StallTimeoutNs { get; init; } = 30_000_000_000;

    /// <summary>Longest a connection may wait for its flushes and CM events while it is torn down.</summary>
    public long TeardownTimeoutNs { get; init; } = 10_000_000_000;

    /// <summary>rdma_resolve_addr / rdma_resolve_route timeout.</summary>
    public int ResolveTimeoutMs { get; init; } = 2000;

    /// <summary>Blocks of <see cref="IoSize"/> bytes in each qpair's region of target memory.</summary>
    public int BlocksPerQpair => Math.Max(16, 4 * QueueDepth);

    /// <summary>Bytes of target memory each qpair writes to and reads from.</summary>
    public long RegionBytes => (long)BlocksPerQpair * IoSize;

    /// <summary>Operations qpair <paramref name="index"/> performs.</summary>
    public int QuotaOf(int index) => (Ios / Qpairs) + (index < Ios % Qpairs ? 1 : 0);

    /// <summary>Checks the parameters; returns null or what is wrong (naming the option).</summary>
    public string? Validate()
    {
        if (Ios < 1)
        {
            return $"--ios {Ios}: must be at least 1";
        }

        if (Qpairs < 1 || Qpairs > QpairsMax)
        {
            return $"--qpairs {Qpairs}: must be 1..{QpairsMax}";
        }

        if (QueueDepth < 1 || QueueDepth > QueueDepthMax)
        {
            return $"--qd {QueueDepth}: must be 1..{QueueDepthMax}";
        }

        if (IoSize < 1 || IoSize > IoSizeMax)
        {
            return $"--io-size {IoSize}: must be 1..{IoSizeMax} bytes";
        }

        var total = RegionBytes * Qpairs;
        if (total > TargetBytesMax)
        {
            return $"--qpairs {Qpairs} × --qd {QueueDepth} × --io-size {IoSize}: the target would need {total >> 20} MiB of memory (limit {TargetBytesMax >> 20} MiB)";
        }

        return null;
    }
}
