using Harness.Transport.Nvme;
using Harness.Transport.Target;

namespace Harness.Transport.Nvmf;

/// <summary>NVM I/O commands: SPDK's <c>nvmf_ctrlr_process_io_cmd</c> and <c>ctrlr_bdev.c</c>, against the sparse namespace.</summary>
public sealed partial class NvmfTarget
{
    private NvmfResult Io(INvmfRequest request, NvmfController controller, in NvmeCommand cmd)
    {
        if (!controller.Cc.Enable)
        {
            return NvmeStatus.CommandSequenceError; // "I/O command sent to disabled controller"
        }

        if (cmd.Nsid != NamespaceId)
        {
            return NvmeStatus.InvalidNamespaceOrFormat.WithDnr();
        }

        if (cmd.Fuse != FusedOperation.None)
        {
            return FusedIo(request, cmd); // NvmfTarget.Fused.cs
        }

        FailHeldFirst(request.Qpair, NvmeStatus.AbortedMissingFused);
        return (NvmeIoOpcode)cmd.Opcode switch
        {
            NvmeIoOpcode.Compare => Compare(request, cmd),
            NvmeIoOpcode.Read => Read(request, cmd),
            NvmeIoOpcode.Write => Write(request, cmd),
            NvmeIoOpcode.Flush => NvmfResult.Ok, // no volatile write cache
            NvmeIoOpcode.WriteZeroes => WriteZeroes(cmd),
            NvmeIoOpcode.DatasetManagement => DatasetManagement(request, cmd),
            _ => NvmeStatus.InvalidOpcode.WithDnr(),
        };
    }

    private NvmfResult Read(INvmfRequest request, in NvmeCommand cmd)
    {
        var result = CheckReadWrite(request, cmd, NvmeDataTransfer.ControllerToHost, out var offset, out var length);
        if (result.Status.IsError)
        {
            return result;
        }

        var device = AskDevice(request, cmd, NvmeIoOpcode.Read);
        if (device.IsError)
        {
            return device; // nothing is read: the transport sends the response only, no data
        }

        for (var done = 0; done < length;)
        {
            var segment = Namespace.ReadSegment(offset + done, length - done);
            if (request.CopyToData(done, segment) != segment.Length)
            {
                return NvmeStatus.DataTransferError;
            }

            done += segment.Length;
        }

        return NvmfResult.Ok;
    }

    private NvmfResult Write(INvmfRequest request, in NvmeCommand cmd)
    {
        var result = CheckReadWrite(request, cmd, NvmeDataTransfer.HostToController, out var offset, out var length);
        if (result.Status.IsError)
        {
            return result;
        }

        var device = AskDevice(request, cmd, NvmeIoOpcode.Write);
        if (device.IsError)
        {
            return device; // the media write failed: the blocks are left as they were
        }

        if (!Namespace.CanWrite(offset, length))
        {
            return NvmeStatus.CapacityExceeded; // the store's memory budget is spent
        }

        for (var done = 0; done < length;)
        {
            var segment = Namespace.WriteSegment(offset + done, length - done);
            if (request.CopyFromData(done, segment) != segment.Length)
            {
                return NvmeStatus.DataTransferError;
            }

            done += segment.Length;
        }

        return NvmfResult.Ok;
    }

    /// <summary>
    /// The block device's verdict on a Read or Write that passed the controller's checks (SPDK submits it to the bdev
    /// only then): its status, and the completion delay it adds, which <see cref="Execute"/> hands to the transport.
    /// </summary>
    private NvmeStatus AskDevice(INvmfRequest request, in NvmeCommand cmd, NvmeIoOpcode opcode)
    {
        if (IoFaults == null || request.Qpair.Controller is not NvmfController controller)
        {
            return NvmeStatus.Success;
        }

        var fault = IoFaults.OnIo(controller.Cntlid, request.Qpair.Qid, opcode, cmd.Cdw10 | ((ulong)cmd.Cdw11 << 32));
        _completionDelayNs = Math.Max(0, fault.DelayNs);
        return fault.Status;
    }

    /// <summary>
    /// SPDK's order: LBA range (LBA OUT OF RANGE), then the SGL must hold (NLB + 1) × block size (DATA SGL LENGTH
    /// INVALID; a longer SGL is accepted, as SPDK does), then the transfer must fit MDTS (INVALID FIELD).
    /// </summary>
    private NvmfResult CheckReadWrite(INvmfRequest request, in NvmeCommand cmd, NvmeDataTransfer direction, out long offset, out int length)
    {
        ReadWriteCommand.TryFrom(cmd, out var rw); // Read, Write or Compare: the same fields
        offset = 0;
        length = 0;
        if (!Namespace.ContainsBlocks(rw.Slba, (ulong)rw.BlockCount))
        {
            return NvmeStatus.LbaOutOfRange;
        }

        var bytes = rw.DataLength(Namespace.BlockSize);
        if (bytes > DataLength(request, direction))
        {
            return NvmeStatus.DataSglLengthInvalid;
        }

        if (bytes > (ulong)Options.IoBytesMax)
        {
            return NvmeStatus.InvalidField;
        }

        offset = (long)(rw.Slba * Namespace.BlockSize);
        length = (int)bytes;
        return NvmfResult.Ok;
    }

    /// <summary>SPDK: LBA range first; DEAC is refused with INVALID FIELD ("Write Zeroes Deallocate is not supported").</summary>
    private NvmfResult WriteZeroes(in NvmeCommand cmd)
    {
        WriteZeroesCommand.TryFrom(cmd, out var wz);
        if (!Namespace.ContainsBlocks(wz.Slba, (ulong)wz.BlockCount))
        {
            return NvmeStatus.LbaOutOfRange;
        }

        if (wz.Deallocate)
        {
            return NvmeStatus.InvalidField;
        }

        Namespace.Zero((long)(wz.Slba * Namespace.BlockSize), wz.BlockCount * (long)Namespace.BlockSize);
        return NvmfResult.Ok;
    }

    /// <summary>
    /// Without AD nothing happens (SPDK). With AD the range list must fit the SGL; every range is checked before any
    /// is deallocated (a range outside the namespace fails the whole command with LBA OUT OF RANGE); deallocated
    /// blocks read back as zeroes.
    /// </summary>
    private NvmfResult DatasetManagement(INvmfRequest request, in NvmeCommand cmd)
    {
        DatasetManagementCommand.TryFrom(cmd, out var dsm);
        if ((dsm.Attributes & DsmAttributes.Deallocate) == 0)
        {
            return NvmfResult.Ok;
        }

        var list = _scratch.AsSpan(0, dsm.DataLength);
        if (dsm.DataLength > DataLength(request, NvmeDataTransfer.HostToController))
        {
            return NvmeStatus.DataSglLengthInvalid; // "number of ranges > SGL length"
        }

        if (request.CopyFromData(0, list) != list.Length)
        {
            return NvmeStatus.DataTransferError;
        }

        DsmRange.TryDecodeList(list, dsm.RangeCount, _dsmRanges);
        for (var i = 0; i < dsm.RangeCount; i++)
        {
            if (!Namespace.ContainsBlocks(_dsmRanges[i].StartingLba, _dsmRanges[i].LengthInBlocks))
            {
                return NvmeStatus.LbaOutOfRange;
            }
        }

        for (var i = 0; i < dsm.RangeCount; i++)
        {
            var range = _dsmRanges[i];
            Namespace.Zero((long)(range.StartingLba * Namespace.BlockSize), range.LengthInBlocks * (long)Namespace.BlockSize);
        }

        return NvmfResult.Ok;
    }
}
