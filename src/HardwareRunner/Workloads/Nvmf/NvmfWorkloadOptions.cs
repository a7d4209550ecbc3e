using System.Globalization;
using System.Net;
using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.Transport.Host;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>Parameters of the NVMe-oF workload (what <c>harness run</c> and its fault profile pass in).</summary>
public sealed record NvmfWorkloadOptions
{
    /// <summary>Logical block size of the target's namespace.</summary>
    public const int BlockBytes = 4096;

    /// <summary>I/O qpairs one controller may have (the target grants 127 I/O queues).</summary>
    public const int QpairsMax = 127;

    /// <summary>Queue depth per I/O qpair (the target's <c>max_queue_depth</c>).</summary>
    public const int QueueDepthMax = 128;

    /// <summary>Largest I/O (the target's <c>max_io_size</c>).</summary>
    public const int IoBytesMax = 131_072;

    /// <summary>Most bytes of the namespace the workload touches (the target's sparse store holds at most 1 GiB).</summary>
    public const long WorkingSetBytesMax = 256L << 20;

    /// <summary>Fewest extents (I/O-sized regions) the workload spreads over.</summary>
    public const int ExtentsMin = 64;

    /// <summary>Extents per command that can be in flight (so picking a free one stays cheap and varied).</summary>
    public const int ExtentsPerInFlightIo = 4;

    /// <summary>The target's smallest data buffer size: a 4 KiB block per buffer (one SGE of a data WR).</summary>
    public const int TargetIoUnitBytesMin = 4096;

    /// <summary>
    /// The target's SGEs per data WR: SPDK HEAD's max_send_sge, min(device max_sge, 16) (rdma.c:nvmf_rdma_qpair_initialize:1030,
    /// 1048). A keyed SGL of up to 16 blocks is one RDMA READ/WRITE; several come from descriptor lists, one WR per descriptor.
    /// </summary>
    public const int TargetSgesPerWr = 16;

    /// <summary>The target's in-capsule data size unless a run sets one (SPDK's RDMA default).</summary>
    public const int InCapsuleDataSizeDefault = 4096;

    /// <summary>Most iovecs of one I/O: SPDK's host puts at most 16 descriptors in a capsule (NVME_RDMA_MAX_SGL_DESCRIPTORS).</summary>
    public const int IovecsMaxLimit = 16;

    /// <summary>I/Os in total, split across the qpairs.</summary>
    public int Ios { get; init; } = 2000;

    /// <summary>I/O qpairs.</summary>
    public int Qpairs { get; init; } = 1;

    /// <summary>Commands in flight per qpair.</summary>
    public int QueueDepth { get; init; } = 16;

    /// <summary>Bytes per Read/Write (a multiple of <see cref="BlockBytes"/>).</summary>
    public int IoSize { get; init; } = 4096;

    /// <summary>Fraction of I/Os that are reads.</summary>
    public double ReadFraction { get; init; } = 0.5;

    /// <summary>Bytes of a "large" I/O (0: none): a write that (as a descriptor list of <see cref="LargeIoIovecs"/>) needs more RDMA READs than the read depth allows at once.</summary>
    public int LargeIoBytes { get; init; }

    /// <summary>Fraction of I/Os that are large (reads only when the target's send queue can hold them).</summary>
    public double LargeIoFraction { get; init; }

    /// <summary>
    /// Most iovecs an I/O's payload is scattered over: each I/O draws 1..this from the <c>workload.iovecs</c> stream (no
    /// draw at 1), and a payload of several iovecs goes as a descriptor list, as SPDK's host sends it.
    /// </summary>
    public int IovecsMax { get; init; } = 1;

    /// <summary>Iovecs of every large I/O (0: drawn like the others).</summary>
    public int LargeIoIovecs { get; init; }

    /// <summary>RDMA READs the host lets the target have outstanding.</summary>
    public byte HostReadDepth { get; init; } = 16;

    /// <summary>rnr_retry the host gives the target (7 = forever).</summary>
    public byte HostRnrRetryCount { get; init; } = VerbsLimits.RetryCountMax;

    /// <summary>Delay before the host re-posts a response receive (0 = at once).</summary>
    public long HostRecvRepostDelayNs { get; init; }

    /// <summary>
    /// <c>--compare-and-write-fraction</c>: fraction of the I/Os (of <see cref="IoSize"/>, on an extent whose contents the
    /// model knows) issued as a fused Compare + Write pair, as bdev_nvme's compare-and-write sends it; the Compare's data is
    /// what the model says the blocks hold, or (for half of the pairs) deliberately not, so both outcomes are checked.
    /// </summary>
    public double CompareAndWriteFraction { get; init; }

    /// <summary>The host's I/O command timeout (<c>--io-timeout-ms</c>; SPDK's bdev_nvme default is off, the harness's 5 s).</summary>
    public long HostIoTimeoutNs { get; init; } = IoTimeoutNsDefault;

    /// <summary>The host's I/O command timeout when none is given.</summary>
    public const long IoTimeoutNsDefault = 5_000_000_000;

    /// <summary><c>--timeout-action</c>: what a timed-out I/O command leads to on the host.</summary>
    public NvmeTimeoutAction HostTimeoutAction { get; init; } = NvmeTimeoutAction.Reset;

    /// <summary>
    /// <c>--paranoid</c>: the full walk of the target's invariants after every poll of its reactors (by default only what
    /// a poll changed is checked, by mutation counts: <see cref="TargetOracle"/>). The run is the same (same trace hash);
    /// only the checks are more.
    /// </summary>
    public bool CheckEveryPoll { get; init; }

    /// <summary>The target uses one shared receive queue per poller (SPDK's default on a device with SRQs).</summary>
    public bool TargetSrq { get; init; }

    /// <summary>
    /// <c>--host-srq-size</c>: SPDK <c>rdma_srq_size</c> of the host's poll groups (0: none). Raised to a qpair's entries:
    /// HEAD fixes the poller's CQ at twice it, which must hold the qpair's SENDs as well as the receives.
    /// </summary>
    public int HostRdmaSrqSize { get; init; }

    /// <summary>The rdma_srq_size the host driver gets (<see cref="HostRdmaSrqSize"/>, at least a qpair's entries + 1).</summary>
    public int HostRdmaSrqSizeEffective => HostRdmaSrqSize == 0 ? 0 : Math.Max(HostRdmaSrqSize, HostQueueEntries + 1);

    /// <summary>
    /// The target's in-capsule data size in bytes (<c>in_capsule_data_size</c>; 0: none). The host sends a Write whose data
    /// fits in the capsule, as nvme_rdma does with the IOCCSZ the controller reports.
    /// </summary>
    public int InCapsuleDataSize { get; init; } = InCapsuleDataSizeDefault;

    /// <summary>Known defects the target runs with.</summary>
    public KnownDefects TargetDefects { get; init; }

    /// <summary>Known defects the host runs with.</summary>
    public KnownDefects HostDefects { get; init; }

    /// <summary>Controller resets and deletions in the middle of the I/O (the fault profile's), in time order.</summary>
    public IReadOnlyList<ControllerAction> ControllerActions { get; init; } = [];

    /// <summary>The target's address and port (NVMe-oF's 4420).</summary>
    public IPEndPoint TargetAddress { get; init; } = new(IPAddress.Parse("192.0.2.1"), 4420);

    /// <summary>No I/O completing and no CM event for this long (stack clock) is a stall.</summary>
    public long StallTimeoutNs { get; init; } = 30_000_000_000;

    /// <summary>
    /// How long the blocks of a failed write stay untouched: a write whose response was lost may still be executed by
    /// the target for a short while, and must not overtake a later write to the same blocks.
    /// </summary>
    public long QuarantineNs { get; init; } = 10_000_000;

    /// <summary>Longest the target may take to destroy its qpairs and controller after the host disconnected.</summary>
    public long TargetTeardownTimeoutNs { get; init; } = 10_000_000_000;

    /// <summary>Blocks of one extent (the largest I/O).</summary>
    public int ExtentBlocks => Math.Max(IoSize, LargeIoBytes) / BlockBytes;

    /// <summary>Extents the workload spreads over.</summary>
    public int Extents => (int)Math.Min(WorkingSetBytesMax / ((long)ExtentBlocks * BlockBytes), Math.Max(ExtentsMin, (long)ExtentsPerInFlightIo * Qpairs * QueueDepth));

    /// <summary>
    /// Command slots of each host qpair (the target needs an SQ of at least 2 entries); with compare-and-write pairs,
    /// room for each in-flight I/O to be a pair (two commands), up to the target's max_queue_depth.
    /// </summary>
    public int HostQueueEntries => Math.Max(2, CompareAndWriteFraction > 0 ? Math.Min(QueueDepthMax, 2 * QueueDepth) : QueueDepth);

    /// <summary>The target's send queue of an I/O qpair: 2 × its depth, which is one more than the host's entries.</summary>
    public int TargetSendDepth => 2 * Math.Min(QueueDepthMax, HostQueueEntries + 1);

    /// <summary>
    /// True when a read of <paramref name="bytes"/> fits the target's send queue, counting one RDMA WRITE per 4 KiB and the
    /// response: the most a read can need (a descriptor list of one block per descriptor).
    /// </summary>
    public bool ReadFits(int bytes) => (bytes / BlockBytes) + 1 <= TargetSendDepth;

    /// <summary>
    /// The target's data buffer size: a block per buffer, unless the largest I/O would then need more buffers than one
    /// data WR has SGEs (HEAD sends a keyed SGL as one WR of at most 16 SGEs, and nvmf_rdma_create refuses a max_io_size
    /// that needs more): then that I/O's size over 16, as SPDK's default io_unit_size (8 KiB) is its 128 KiB over 16.
    /// </summary>
    public int TargetIoUnitBytes => Math.Max(TargetIoUnitBytesMin, Math.Max(IoSize, LargeIoBytes) / TargetSgesPerWr / BlockBytes * BlockBytes);

    /// <summary>I/Os qpair <paramref name="index"/> performs.</summary>
    public int QuotaOf(int index) => (Ios / Qpairs) + (index < Ios % Qpairs ? 1 : 0);

    /// <summary>The target transport's options: 4 KiB buffers, up to 16 SGEs per WR (HEAD's max_send_sge).</summary>
    public TargetOptions ToTargetOptions() => new()
    {
        IoUnitSize = TargetIoUnitBytes,
        MaxSendSge = TargetSgesPerWr,
        MaxQueueDepth = QueueDepthMax,
        MaxIoSize = IoBytesMax,
        Defects = TargetDefects,
        UseSrq = TargetSrq,
        InCapsuleDataSize = InCapsuleDataSize,
        MaxSrqDepth = SrqDepth,
    };

    /// <summary>
    /// Receives of the target's SRQ: two per command slot of every qpair (admin included), at least 64. SPDK's 4096 would
    /// be posted and checked by the target's invariants after every poll, for nothing: the workload never has more
    /// commands in flight than its qpairs' slots.
    /// </summary>
    public int SrqDepth => Math.Clamp(2 * (Qpairs + 1) * (HostQueueEntries + 1), 64, 4096);

    /// <summary>Checks the parameters; returns null or what is wrong (naming the option).</summary>
    public string? Validate()
    {
        var inv = CultureInfo.InvariantCulture;
        if (Ios < 1)
        {
            return string.Create(inv, $"--ios {Ios}: must be at least 1");
        }

        if (Qpairs is < 1 or > QpairsMax)
        {
            return string.Create(inv, $"--qpairs {Qpairs}: must be 1..{QpairsMax} (the I/O queues one controller gets)");
        }

        if (QueueDepth is < 1 or > QueueDepthMax)
        {
            return string.Create(inv, $"--qd {QueueDepth}: must be 1..{QueueDepthMax} (the target's max_queue_depth)");
        }

        if (IoSize < BlockBytes || IoSize > IoBytesMax || IoSize % BlockBytes != 0)
        {
            return string.Create(inv, $"--io-size {IoSize}: must be a multiple of the {BlockBytes}-byte block, at most {IoBytesMax}");
        }

        if (!ReadFits(IoSize))
        {
            return string.Create(inv, $"--io-size {IoSize} with --qd {QueueDepth}: a read needs {IoSize / BlockBytes} RDMA WRITEs and the response, more than the target's send queue of {TargetSendDepth} holds (raise --qd)");
        }

        if (InCapsuleDataSize is < 0 or > TargetOptions.InCapsuleDataSizeMax || InCapsuleDataSize % 16 != 0)
        {
            return string.Create(inv, $"--in-capsule-size {InCapsuleDataSize}: must be a multiple of 16 in 0..{TargetOptions.InCapsuleDataSizeMax} (0: no in-capsule data)");
        }

        if (HostRdmaSrqSize is < 0 or > Transport.Host.HostOptions.RdmaSrqSizeMax)
        {
            return string.Create(inv, $"--host-srq-size {HostRdmaSrqSize}: must be 0..{Transport.Host.HostOptions.RdmaSrqSizeMax}");
        }

        if (IovecsMax is < 1 or > IovecsMaxLimit || LargeIoIovecs is < 0 or > IovecsMaxLimit)
        {
            return string.Create(inv, $"--iovecs-max {IovecsMax}: must be 1..{IovecsMaxLimit} (SPDK's host sends at most {IovecsMaxLimit} descriptors)");
        }

        if (CompareAndWriteFraction is < 0 or > 1 || double.IsNaN(CompareAndWriteFraction))
        {
            return string.Create(inv, $"--compare-and-write-fraction {CompareAndWriteFraction}: must be a fraction of I/Os in 0..1");
        }

        if (HostIoTimeoutNs <= 0)
        {
            return string.Create(inv, $"--io-timeout-ms {HostIoTimeoutNs / 1_000_000}: must be positive");
        }

        return ReadFraction is < 0 or > 1 || double.IsNaN(ReadFraction)
            ? string.Create(inv, $"--rw-mix {ReadFraction}: must be a fraction of reads in 0..1")
            : null;
    }
}
