using Harness.Transport.Nvme;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>One I/O the workload has submitted and not yet seen complete (a data slot of its qpair).</summary>
internal struct InFlightIo
{
    /// <summary>Read or Write; 0 when the slot is free.</summary>
    public NvmeIoOpcode Opcode;
    public int Extent;
    public long Block;
    public int Blocks;

    /// <summary>The write's data seed.</summary>
    public ulong Seed;

    /// <summary>A Write sent as a compare-and-write pair.</summary>
    public bool CompareAndWrite;

    /// <summary>The pair's Compare carries what the blocks hold (false: one byte differs, so it must fail).</summary>
    public bool ExpectMatch;
}
