using Harness.Transport.Nvme;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>
/// One command slot of a qpair (SPDK's <c>struct spdk_nvme_rdma_req</c>): the command is done when both its capsule
/// SEND completed and its response arrived, or when the qpair died and nothing more can arrive.
/// </summary>
internal struct CommandSlot
{
    /// <summary><see cref="Pending"/> bit: the capsule SEND has not completed yet.</summary>
    public const byte SendPending = 1;

    /// <summary><see cref="Pending"/> bit: the response has not arrived yet.</summary>
    public const byte ResponsePending = 2;

    public CommandKind Kind;

    /// <summary>What is still awaited (<see cref="SendPending"/>, <see cref="ResponsePending"/>).</summary>
    public byte Pending;

    /// <summary>Bumped on each use; the high byte of the CID, so a response for an earlier use of the slot is caught.</summary>
    public byte Generation;

    /// <summary>The submitter's cookie.</summary>
    public ulong Tag;

    /// <summary>The response, once it arrived.</summary>
    public NvmeCompletion Completion;
}
