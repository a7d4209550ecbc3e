using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>
/// One NVM Read or Write: <see cref="BlockCount"/> blocks from <see cref="Slba"/> of namespace 1, moved to or from
/// <see cref="Length"/> bytes of <see cref="Buffer"/> at <see cref="Offset"/> (registered with
/// <see cref="INvmeHostDriver.RegisterMemory"/>). <see cref="Tag"/> comes back in the completion.
/// </summary>
public readonly record struct NvmeIo(NvmeIoOpcode Opcode, ulong Slba, int BlockCount, DmaBuffer Buffer, int Offset, int Length, ulong Tag)
{
    /// <summary>
    /// Iovecs the payload is scattered over (consecutive pieces of the buffer; 1: contiguous). More than one makes the
    /// host send a descriptor list; the driver gives the transport at most the controller's max SGEs.
    /// </summary>
    public int Iovecs { get; init; } = 1;

    /// <summary>
    /// Where in <see cref="Buffer"/> the Compare half's <see cref="Length"/> bytes are, for a compare-and-write (a
    /// <see cref="NvmeIoOpcode.Write"/> sent as a fused Compare + Write pair; −1: a plain command). Its one completion
    /// combines the halves': success when the Write half succeeded, else the Compare half's failure (COMPARE FAILURE on a
    /// mismatch), else the Write half's.
    /// </summary>
    public int CompareOffset { get; init; } = -1;

    /// <summary>True for a compare-and-write.</summary>
    public bool IsCompareAndWrite => CompareOffset >= 0;
}
