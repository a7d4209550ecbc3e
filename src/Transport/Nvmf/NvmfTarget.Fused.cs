using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Target;

namespace Harness.Transport.Nvmf;

/// <summary>
/// Compare, and the fused Compare-and-Write: HEAD's <c>nvmf_ctrlr_process_io_fused_cmd</c> (ctrlr.c:4845), the
/// controller's hold of the FIRST until its SECOND (<c>qpair-&gt;first_fused_req</c>, ctrlr.c:5053), and the block
/// device's compare-and-write (ctrlr_bdev.c:<c>nvmf_bdev_ctrlr_compare_and_write_cmd</c>:578, completion :79): the
/// Write of the SECOND lands only when the Compare of the FIRST matched; otherwise the FIRST completes COMPARE FAILURE
/// and the SECOND ABORTED - FAILED FUSED, and nothing is written.
/// </summary>
public sealed partial class NvmfTarget
{
    /// <summary>A fused I/O command: the FIRST is held, the SECOND runs the pair.</summary>
    private NvmfResult FusedIo(INvmfRequest request, in NvmeCommand cmd)
    {
        var qpair = request.Qpair;
        var held = qpair.FirstFusedReq;
        switch (cmd.Fuse)
        {
            case FusedOperation.First:
                if (held != null)
                {
                    held.Complete(NvmeStatus.AbortedMissingFused, 0); // "wrong sequence": the held FIRST goes, this one is held
                }
                else if (cmd.Opcode != (byte)NvmeIoOpcode.Compare)
                {
                    return NvmeStatus.InvalidOpcode;
                }

                qpair.FirstFusedReq = request;
                return NvmfResult.Held;
            case FusedOperation.Second:
                if (held == null)
                {
                    return NvmeStatus.AbortedMissingFused;
                }

                qpair.FirstFusedReq = null;
                if (cmd.Opcode != (byte)NvmeIoOpcode.Write)
                {
                    held.Complete(NvmeStatus.AbortedMissingFused, 0);
                    return NvmeStatus.InvalidOpcode;
                }

                return CompareAndWrite(held, request, cmd);
            default:
                return NvmeStatus.InvalidField.WithDnr(); // reserved FUSE value
        }
    }

    /// <summary>
    /// A command that is not fused ends a held FIRST (ctrlr.c:5053–5065: "second fused cmd expected"), which completes
    /// with <paramref name="status"/> (ABORTED - MISSING FUSED there; SQ DELETION when the qpair goes); the command goes on.
    /// </summary>
    private static void FailHeldFirst(INvmfQpair qpair, NvmeStatus status)
    {
        if (qpair.FirstFusedReq is { } held)
        {
            qpair.FirstFusedReq = null;
            held.Complete(status, 0);
        }
    }

    /// <summary>
    /// Runs the pair and completes the FIRST (Compare) here; the returned result is the SECOND's (Write). A check that
    /// fails before the compare gives the FIRST that status and the SECOND ABORTED - FAILED FUSED (ctrlr.c:4912–4922).
    /// </summary>
    private NvmfResult CompareAndWrite(INvmfRequest first, INvmfRequest second, in NvmeCommand writeCmd)
    {
        NvmeCommand.TryDecode(first.Command, out var compareCmd);
        var (firstStatus, secondStatus) = CheckCompareAndWrite(first, second, compareCmd, writeCmd, out var offset, out var length);
        if (firstStatus.IsSuccess)
        {
            firstStatus = Matches(first, offset, length);
            secondStatus = firstStatus.IsSuccess ? WriteData(second, offset, length) : NvmeStatus.AbortedFailedFused;
        }

        Check.That(firstStatus.IsSuccess || !secondStatus.IsSuccess, InvariantNames.DataIntegrity, (firstStatus, secondStatus), s =>
            $"compare-and-write: the Write succeeded ({s.secondStatus}) although the Compare did not ({s.firstStatus})");
        first.Complete(firstStatus, 0); // the FIRST completes before the SECOND, as nvmf_bdev_ctrlr_complete_cmd does
        return secondStatus;
    }

    /// <summary>HEAD's checks in order: same LBA range (INVALID FIELD), in the namespace (LBA OUT OF RANGE), SGLs that hold it (DATA SGL LENGTH INVALID).</summary>
    private (NvmeStatus First, NvmeStatus Second) CheckCompareAndWrite(INvmfRequest first, INvmfRequest second, in NvmeCommand compareCmd, in NvmeCommand writeCmd, out long offset, out int length)
    {
        ReadWriteCommand.TryFrom(compareCmd, out var cmp);
        ReadWriteCommand.TryFrom(writeCmd, out var write);
        offset = 0;
        length = 0;
        var status = NvmeStatus.Success;
        var bytes = write.DataLength(Namespace.BlockSize);
        if (cmp.Slba != write.Slba || cmp.Nlb != write.Nlb)
        {
            status = NvmeStatus.InvalidField;
        }
        else if (!Namespace.ContainsBlocks(write.Slba, (ulong)write.BlockCount))
        {
            status = NvmeStatus.LbaOutOfRange;
        }
        else if (bytes > DataLength(second, NvmeDataTransfer.HostToController) || bytes > DataLength(first, NvmeDataTransfer.HostToController))
        {
            status = NvmeStatus.DataSglLengthInvalid;
        }
        else if (!Namespace.CanWrite((long)(write.Slba * Namespace.BlockSize), (long)bytes))
        {
            status = NvmeStatus.CapacityExceeded;
        }

        if (status.IsError)
        {
            return (status, NvmeStatus.AbortedFailedFused);
        }

        offset = (long)(write.Slba * Namespace.BlockSize);
        length = (int)bytes;
        return (NvmeStatus.Success, NvmeStatus.Success);
    }

    /// <summary>A Compare that is not fused (ONCS bit 0): SUCCESS when the blocks hold the command's data, else COMPARE FAILURE.</summary>
    private NvmfResult Compare(INvmfRequest request, in NvmeCommand cmd)
    {
        var result = CheckReadWrite(request, cmd, NvmeDataTransfer.HostToController, out var offset, out var length);
        return result.Status.IsError ? result : Matches(request, offset, length);
    }

    /// <summary>Compares <paramref name="length"/> bytes of the request's data with the namespace at <paramref name="offset"/>.</summary>
    private NvmeStatus Matches(INvmfRequest request, long offset, int length)
    {
        var scratch = _scratch.AsSpan(0, ScratchBytesMin);
        for (var done = 0; done < length;)
        {
            var count = Math.Min(scratch.Length, length - done);
            if (request.CopyFromData(done, scratch[..count]) != count)
            {
                return NvmeStatus.DataTransferError;
            }

            for (var compared = 0; compared < count;)
            {
                var stored = Namespace.ReadSegment(offset + done + compared, count - compared);
                if (!stored.SequenceEqual(scratch.Slice(compared, stored.Length)))
                {
                    return NvmeStatus.CompareFailure;
                }

                compared += stored.Length;
            }

            done += count;
        }

        return NvmeStatus.Success;
    }

    /// <summary>The Write half: the request's data to the namespace (checked by <see cref="CheckCompareAndWrite"/>).</summary>
    private NvmeStatus WriteData(INvmfRequest request, long offset, int length)
    {
        for (var done = 0; done < length;)
        {
            var segment = Namespace.WriteSegment(offset + done, length - done);
            if (request.CopyFromData(done, segment) != segment.Length)
            {
                return NvmeStatus.DataTransferError;
            }

            done += segment.Length;
        }

        return NvmeStatus.Success;
    }
}
