using System.Globalization;
using Harness.HardwareRunner.Workloads;
using Harness.HardwareRunner.Workloads.Nvmf;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// The valid values of <c>harness run</c>'s numeric options, in the words every message about them uses (a value that
/// does not parse, and one out of range: <c>--qpairs 0: must be 1..127</c>).
/// </summary>
internal static class RunRanges
{
    // The NVMe-oF workload's alone (harness sweep) first: the run's ranges are built from them, in this order.
    /// <summary><c>--qpairs</c> of the NVMe-oF workload alone (<c>harness sweep</c>).</summary>
    public static readonly string NvmfQpairs = string.Create(CultureInfo.InvariantCulture, $"1..{NvmfWorkloadOptions.QpairsMax}");

    /// <summary><c>--qd</c> of the NVMe-oF workload alone.</summary>
    public static readonly string NvmfQueueDepth = string.Create(CultureInfo.InvariantCulture, $"1..{NvmfWorkloadOptions.QueueDepthMax}");

    /// <summary><c>--io-size</c> of the NVMe-oF workload alone.</summary>
    public static readonly string NvmfIoSize = string.Create(CultureInfo.InvariantCulture,
        $"{NvmfWorkloadOptions.BlockBytes}..{NvmfWorkloadOptions.IoBytesMax}, a multiple of {NvmfWorkloadOptions.BlockBytes}");

    /// <summary><c>--ios</c> (both workloads).</summary>
    public static readonly string Ios = string.Create(CultureInfo.InvariantCulture, $"1..{int.MaxValue}");

    /// <summary><c>--qpairs</c>: the I/O queues one controller gets; the ping-pong allows more.</summary>
    public static readonly string Qpairs = string.Create(CultureInfo.InvariantCulture, $"{NvmfQpairs} (--workload rdma: 1..{WorkloadOptions.QpairsMax})");

    /// <summary><c>--qd</c>: the target's max_queue_depth; the ping-pong allows more.</summary>
    public static readonly string QueueDepth = string.Create(CultureInfo.InvariantCulture, $"{NvmfQueueDepth} (--workload rdma: 1..{WorkloadOptions.QueueDepthMax})");

    /// <summary><c>--io-size</c>: whole blocks up to the target's max_io_size; the ping-pong takes any size up to its limit.</summary>
    public static readonly string IoSize = string.Create(CultureInfo.InvariantCulture, $"{NvmfIoSize} (--workload rdma: 1..{WorkloadOptions.IoSizeMax})");

    /// <summary><c>--rw-mix</c>.</summary>
    public const string RwMix = "a fraction of reads in 0..1";

    /// <summary><c>--compare-and-write-fraction</c>.</summary>
    public const string CompareAndWriteFraction = "a fraction of I/Os in 0..1";

    /// <summary><c>--io-timeout-ms</c>.</summary>
    public static readonly string IoTimeoutMs = string.Create(CultureInfo.InvariantCulture, $"1..{int.MaxValue}");

    /// <summary><c>--sessions</c>.</summary>
    public static readonly string Sessions = string.Create(CultureInfo.InvariantCulture, $"1..{int.MaxValue}");

    /// <summary><c>--duration</c>, <c>--watchdog</c>.</summary>
    public const string Seconds = "a positive number of seconds";
}
