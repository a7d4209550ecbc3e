using Harness.Transport.Nvme;

namespace Harness.Transport.Nvmf;

/// <summary>
/// The block device below the controller, as a test sees it: for each Read or Write the controller is about to run on
/// the namespace, whether the device fails it with an NVMe status (a media error such as UNRECOVERED READ ERROR, or an
/// internal error) and how late its completion comes. SPDK's bdev layer does both: <c>nvmf_bdev_ctrlr_complete_cmd</c>
/// copies the bdev I/O's NVMe status into the response, and a bdev completes asynchronously, whenever its I/O ends.
/// </summary>
public interface INvmfIoFaults
{
    /// <summary>
    /// What the device does with I/O command <paramref name="opcode"/> (Read or Write) on queue <paramref name="qid"/> of
    /// controller <paramref name="cntlid"/>, starting at <paramref name="slba"/>. Called once per such command, in the
    /// order the controller executes them.
    /// </summary>
    NvmfIoFault OnIo(ushort cntlid, ushort qid, NvmeIoOpcode opcode, ulong slba);
}

/// <summary>
/// A block device's answer for one I/O: <see cref="Status"/> (success: the I/O runs) and the extra time
/// <see cref="DelayNs"/> before its completion reaches the transport (0: the usual latency).
/// </summary>
public readonly record struct NvmfIoFault(NvmeStatus Status, long DelayNs)
{
    /// <summary>The I/O runs and completes as usual.</summary>
    public static NvmfIoFault None => default;
}
