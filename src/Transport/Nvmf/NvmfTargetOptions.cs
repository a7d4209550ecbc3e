using Harness.Transport.Nvme;
using Harness.Transport.Target;

namespace Harness.Transport.Nvmf;

/// <summary>
/// Configuration of the NVMe-oF target layer (<see cref="NvmfTarget"/>): one subsystem with one namespace (NSID 1).
/// Defaults are SPDK's (<c>spdk_nvmf_transport_opts</c>, <c>nvmf_subsystem</c> defaults) unless noted; use
/// <see cref="ForTransport"/> so the values the controller reports agree with what the RDMA transport enforces.
/// </summary>
public sealed record NvmfTargetOptions
{
    /// <summary>SPDK's default subsystem NQN in its examples and tests.</summary>
    public const string DefaultSubNqn = "nqn.2016-06.io.spdk:cnode1";

    /// <summary>Largest block size accepted (the namespace reports LBADS as a power of two).</summary>
    public const uint BlockSizeMax = 65_536;

    /// <summary>Smallest block size accepted.</summary>
    public const uint BlockSizeMin = 512;

    /// <summary>Most error log entries one controller keeps (ELPE is one byte, 0's based).</summary>
    public const int ErrorLogEntriesLimit = 256;

    /// <summary>Keep-alive granularity unit of the Identify KAS field, in ms.</summary>
    public const int KeepAliveUnitMs = 100;

    /// <summary>NVM subsystem NQN hosts must name in the Connect data.</summary>
    public string SubNqn { get; init; } = DefaultSubNqn;

    /// <summary>Identify Controller serial number (at most 20 printable ASCII characters); SPDK's default.</summary>
    public string SerialNumber { get; init; } = "SPDK00000000000001";

    /// <summary>Identify Controller model number (at most 40 printable ASCII characters); SPDK's default.</summary>
    public string ModelNumber { get; init; } = "SPDK bdev Controller";

    /// <summary>Identify Controller firmware revision (at most 8 characters; SPDK reports its version).</summary>
    public string FirmwareRevision { get; init; } = "26.01";

    /// <summary>Controllers the subsystem hosts at the same time (SPDK is limited only by the CNTLID range).</summary>
    public int ControllersMax { get; init; } = 64;

    /// <summary>I/O queues per controller: the default Number of Queues grant and the upper bound of any grant.</summary>
    public int IoQueuesPerControllerMax { get; init; } = 127;

    /// <summary>Queue entries a queue may have: CAP.MQES + 1 and Identify MAXCMD (<c>max_queue_depth</c>).</summary>
    public int QueueDepthMax { get; init; } = 128;

    /// <summary>In-capsule data bytes an I/O command capsule may carry (Identify IOCCSZ); a multiple of 16.</summary>
    public int InCapsuleDataBytes { get; init; } = 4096;

    /// <summary>Largest data transfer (<c>max_io_size</c>); Identify MDTS is derived from it; a multiple of 4096.</summary>
    public int IoBytesMax { get; init; } = 131_072;

    /// <summary>Identify MSDBD: SGL data block descriptors per command (SPDK's RDMA transport: 16); 1 is the other common value.</summary>
    public int SglDescriptorsMax { get; init; } = SglDescriptor.MaxInCapsuleDescriptors;

    /// <summary>Keep Alive Timer granularity (Identify KAS × 100 ms); 0 = keep alive not supported. SPDK: 10 s.</summary>
    public int KeepAliveGranularityMs { get; init; } = 10_000;

    /// <summary>Smallest non-zero keep-alive timeout: shorter requests are raised to it (<c>min_kato</c>).</summary>
    public int KeepAliveTimeoutMsMin { get; init; } = 10_000;

    /// <summary>Logical block size of namespace 1: 4096 (default) or 512.</summary>
    public uint BlockSize { get; init; } = 4096;

    /// <summary>Size of namespace 1 in bytes (a multiple of <see cref="BlockSize"/>); sparse, so 1 TiB costs nothing.</summary>
    public long NamespaceBytes { get; init; } = 1L << 40;

    /// <summary>Allocation unit of the sparse store (a power of two, at least the block size).</summary>
    public int ChunkBytes { get; init; } = 64 * 1024;

    /// <summary>Memory the namespace may use for written data; a write needing more fails with CAPACITY EXCEEDED.</summary>
    public long MemoryBytesMax { get; init; } = 1L << 30;

    /// <summary>Entries of each controller's error information log ring (Identify ELPE + 1); SPDK reports 128.</summary>
    public int ErrorLogEntriesMax { get; init; } = 128;

    /// <summary>Pre-fix behaviours of the controller layer kept switchable (the transport's switches, see <see cref="ForTransport"/>).</summary>
    public KnownDefects Defects { get; init; } = KnownDefects.None;

    /// <summary>
    /// The options that must agree with the RDMA transport, taken from its <paramref name="transport"/> options
    /// (queue depth, I/O queues per controller, in-capsule data size, max I/O size); the rest keep their defaults.
    /// </summary>
    public static NvmfTargetOptions ForTransport(TargetOptions transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return new NvmfTargetOptions
        {
            QueueDepthMax = transport.MaxQueueDepth,
            IoQueuesPerControllerMax = Math.Max(1, transport.MaxQpairsPerCtrlr - 1),
            InCapsuleDataBytes = transport.InCapsuleDataSize,
            IoBytesMax = transport.MaxIoSize,
            Defects = transport.Defects,
        };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        Require(!string.IsNullOrEmpty(SubNqn), nameof(SubNqn), "a non-empty NQN of at most 223 UTF-8 bytes");
        Require(ControllersMax is >= 1 and <= NvmfTarget.CntlidMax, nameof(ControllersMax), "1..65519");
        Require(IoQueuesPerControllerMax is >= 1 and < ushort.MaxValue, nameof(IoQueuesPerControllerMax), "1..65534");
        Require(QueueDepthMax is >= 2 and <= ushort.MaxValue, nameof(QueueDepthMax), "2..65535");
        Require(InCapsuleDataBytes >= 0 && InCapsuleDataBytes % 16 == 0, nameof(InCapsuleDataBytes), "a non-negative multiple of 16");
        Require(IoBytesMax >= 4096 && IoBytesMax % 4096 == 0, nameof(IoBytesMax), "a positive multiple of 4096");
        Require(SglDescriptorsMax is >= 1 and <= byte.MaxValue, nameof(SglDescriptorsMax), "1..255");
        Require(KeepAliveGranularityMs >= 0 && KeepAliveGranularityMs % KeepAliveUnitMs == 0
            && KeepAliveGranularityMs / KeepAliveUnitMs <= ushort.MaxValue, nameof(KeepAliveGranularityMs), "a multiple of 100 ms");
        Require(KeepAliveTimeoutMsMin >= 0, nameof(KeepAliveTimeoutMsMin), "non-negative");
        Require(BlockSize is >= BlockSizeMin and <= BlockSizeMax && (BlockSize & (BlockSize - 1)) == 0, nameof(BlockSize), "a power of two in 512..65536");
        Require(NamespaceBytes > 0 && NamespaceBytes % BlockSize == 0, nameof(NamespaceBytes), "a positive multiple of the block size");
        Require(ChunkBytes >= BlockSize && (ChunkBytes & (ChunkBytes - 1)) == 0 && ChunkBytes <= SparseBlockStore.ChunkBytesMax, nameof(ChunkBytes), "a power of two from the block size to 16 MiB");
        Require(MemoryBytesMax >= 0, nameof(MemoryBytesMax), "non-negative");
        Require(ErrorLogEntriesMax is >= 1 and <= ErrorLogEntriesLimit, nameof(ErrorLogEntriesMax), "1..256");
        _ = Nqn.FromString(SubNqn);
        _ = NvmeText20.FromString(SerialNumber);
        _ = NvmeText40.FromString(ModelNumber);
        _ = NvmeText8.FromString(FirmwareRevision);
    }

    private static void Require(bool condition, string name, string expected)
    {
        if (!condition)
        {
            throw new ArgumentException($"NVMe-oF target option {name} must be {expected}.", name);
        }
    }
}
