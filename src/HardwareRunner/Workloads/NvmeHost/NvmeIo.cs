using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>
/// One NVM Read or Write: <see cref="BlockCount"/> blocks from <see cref="Slba"/> of namespace 1, moved to or from
/// <see cref="Length"/> bytes of <see cref="Buffer"/> at <see cref="Offset"/> (registered with
/// <see cref="INvmeHostDriver.RegisterMemory"/>). <see cref="Tag"/> comes back in the completion.
/// </summary>
public readonly record struct NvmeIo(NvmeIoOpcode Opcode, ulong Slba, int BlockCount, DmaBuffer Buffer, int Offset, int Length, ulong Tag);
