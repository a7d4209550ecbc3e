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
}
