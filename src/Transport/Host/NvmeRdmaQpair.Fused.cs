using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// Fused commands as SPDK's host sends them: a Compare with FUSE = FIRST and a Write with FUSE = SECOND, two commands
/// submitted back to back on one qpair (bdev_nvme.c:<c>bdev_nvme_comparev_and_writev</c> through
/// <c>spdk_nvme_ns_cmd_comparev_with_md</c> and <c>spdk_nvme_ns_cmd_writev_with_md</c>, the FUSE bits from io_flags,
/// nvme_ns_cmd.c:231). The target pairs them only when the SECOND is the very next command after the FIRST.
/// </summary>
public sealed partial class NvmeRdmaQpair
{
    /// <summary>Requests one fused pair takes.</summary>
    public const int FusedPairRequests = 2;

    /// <summary>
    /// Compare-and-write of <paramref name="blocks"/> blocks at <paramref name="lba"/>: the blocks become the write buffer's
    /// data only if they hold the compare buffer's. <paramref name="compareDone"/> gets the FIRST's completion (COMPARE
    /// FAILURE on a mismatch), <paramref name="writeDone"/> the SECOND's (ABORTED - FAILED FUSED when nothing was written).
    /// 0, or: EAGAIN when fewer than two requests are free (the pair is never split here), ENOTCONN, EINVAL as
    /// <see cref="Submit"/>. When the SECOND fails to go out after the FIRST did, its errno is returned and the FIRST
    /// completes on its own (the target fails it ABORTED - MISSING FUSED, or the qpair's end aborts it).
    /// </summary>
    public int SubmitCompareAndWrite(uint nsid, ulong lba, int blocks, DmaBuffer compareBuffer, int compareOffset, DmaBuffer writeBuffer, int writeOffset,
        NvmeCompletionCallback compareDone, NvmeCompletionCallback writeDone, object? context) =>
        SubmitCompareAndWrite(nsid, lba, blocks, compareBuffer, compareOffset, writeBuffer, writeOffset, compareDone, writeDone, context, out _);

    /// <summary>
    /// <see cref="SubmitCompareAndWrite(uint, ulong, int, DmaBuffer, int, DmaBuffer, int, NvmeCompletionCallback, NvmeCompletionCallback, object?)"/>,
    /// telling in <paramref name="compareSent"/> whether the Compare went out: true with an errno means the Write was
    /// refused after it, and <paramref name="compareDone"/> will still be called.
    /// </summary>
    public int SubmitCompareAndWrite(uint nsid, ulong lba, int blocks, DmaBuffer compareBuffer, int compareOffset, DmaBuffer writeBuffer, int writeOffset,
        NvmeCompletionCallback compareDone, NvmeCompletionCallback writeDone, object? context, out bool compareSent)
    {
        compareSent = false;
        if (_state == NvmeRdmaQpairState.Running && NumEntries - Outstanding < FusedPairRequests)
        {
            return Errno.EAGAIN;
        }

        var rc = SubmitFused(NvmeIoOpcode.Compare, FusedOperation.First, nsid, lba, blocks, compareBuffer, compareOffset, compareDone, context);
        if (rc != Errno.Ok)
        {
            return rc;
        }

        compareSent = true;
        return SubmitFused(NvmeIoOpcode.Write, FusedOperation.Second, nsid, lba, blocks, writeBuffer, writeOffset, writeDone, context);
    }

    /// <summary>
    /// One half of a fused pair on its own (a Compare or a Write with FUSE <paramref name="fuse"/>): what a host sends
    /// when the other half is refused or delayed (bdev_nvme retries a SECOND refused with -ENOMEM later). 0 or the
    /// errors of <see cref="Submit"/>.
    /// </summary>
    public int SubmitFused(NvmeIoOpcode opcode, FusedOperation fuse, uint nsid, ulong lba, int blocks, DmaBuffer buffer, int offset, NvmeCompletionCallback callback, object? context)
    {
        var blockSize = _ctrlr.BlockSize;
        if (opcode is not (NvmeIoOpcode.Compare or NvmeIoOpcode.Write) || blocks is < 1 or > ushort.MaxValue + 1 || blockSize == 0)
        {
            return Errno.EINVAL;
        }

        var cmd = new ReadWriteCommand { Opcode = opcode, Nsid = nsid, Slba = lba, Nlb = (ushort)(blocks - 1) }.ToCommand();
        cmd.Fuse = fuse;
        return Submit(cmd, buffer, offset, checked((int)(blocks * blockSize)), callback, context);
    }
}
