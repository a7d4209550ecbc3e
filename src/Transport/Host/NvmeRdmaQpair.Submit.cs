using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// Submission (SPDK nvme_rdma_qpair_submit_request, nvme_rdma_req_init): take a free request, describe the data with
/// a keyed SGL over registered memory or, for a small write the target allows, as in-capsule data (a second SGE
/// pointing at the payload), write the capsule and post one signaled SEND. Call on the owning thread.
/// </summary>
public sealed partial class NvmeRdmaQpair
{
    /// <summary>Submits <paramref name="command"/> (its CID and data pointer are filled in). 0, or: ENOTCONN when not
    /// running or when posting the capsule failed (the qpair is then failed), EAGAIN when every request is outstanding,
    /// EINVAL for a bad buffer range or size.</summary>
    public int Submit(in NvmeCommand command, DmaBuffer? buffer, int offset, int length, NvmeCompletionCallback callback, object? context)
    {
        if (_state != NvmeRdmaQpairState.Running)
        {
            return Errno.ENOTCONN;
        }

        var data = default(DataRef);
        if (length > 0)
        {
            if (buffer == null || offset < 0 || length > _ctrlr.MaxTransferBytes)
            {
                return Errno.EINVAL;
            }

            var addr = buffer.Address + (ulong)offset;
            var rc = _ctrlr.MemoryMap!.Translate(buffer, addr, (ulong)length, out var lkey, out var rkey);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            data = new DataRef(addr, (uint)length, lkey, rkey);
        }

        return SubmitInternal(command, data, callback, context);
    }

    /// <summary>
    /// Submits <paramref name="command"/> with a data pointer the caller built (<paramref name="dptr"/>, not checked) and
    /// the first <paramref name="capsuleBytes"/> bytes of <paramref name="capsuleData"/> sent after the command in the
    /// capsule: how a scenario plays a host that builds SGLs SPDK's host never builds (docs/findings/006..009). 0, or the
    /// errors of <see cref="Submit"/>.
    /// </summary>
    public int SubmitWithSgl(in NvmeCommand command, in SglDescriptor dptr, DmaBuffer capsuleData, int capsuleBytes, NvmeCompletionCallback callback, object? context)
    {
        if (_state != NvmeRdmaQpairState.Running)
        {
            return Errno.ENOTCONN;
        }

        var data = default(DataRef);
        if (capsuleBytes > 0)
        {
            var rc = _ctrlr.MemoryMap!.Translate(capsuleData, capsuleData.Address, (ulong)capsuleBytes, out var lkey, out var rkey);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            data = new DataRef(capsuleData.Address, (uint)capsuleBytes, lkey, rkey);
        }

        return SubmitInternal(command, data, callback, context, dptr);
    }

    /// <summary>NVM Read of <paramref name="blocks"/> blocks of namespace <paramref name="nsid"/> into the buffer.</summary>
    public int SubmitRead(uint nsid, ulong lba, int blocks, DmaBuffer buffer, int offset, NvmeCompletionCallback callback, object? context) =>
        SubmitReadWrite(NvmeIoOpcode.Read, nsid, lba, blocks, buffer, offset, callback, context);

    /// <summary>NVM Write of <paramref name="blocks"/> blocks from the buffer.</summary>
    public int SubmitWrite(uint nsid, ulong lba, int blocks, DmaBuffer buffer, int offset, NvmeCompletionCallback callback, object? context) =>
        SubmitReadWrite(NvmeIoOpcode.Write, nsid, lba, blocks, buffer, offset, callback, context);

    /// <summary>NVM Flush of namespace <paramref name="nsid"/>.</summary>
    public int SubmitFlush(uint nsid, NvmeCompletionCallback callback, object? context) =>
        Submit(new FlushCommand { Nsid = nsid }.ToCommand(), null, 0, 0, callback, context);

    private int SubmitReadWrite(NvmeIoOpcode opcode, uint nsid, ulong lba, int blocks, DmaBuffer buffer, int offset, NvmeCompletionCallback callback, object? context)
    {
        var blockSize = _ctrlr.BlockSize;
        if (blocks is < 1 or > ushort.MaxValue + 1 || blockSize == 0)
        {
            return Errno.EINVAL;
        }

        var cmd = new ReadWriteCommand { Opcode = opcode, Nsid = nsid, Slba = lba, Nlb = (ushort)(blocks - 1) }.ToCommand();
        return Submit(cmd, buffer, offset, checked((int)(blocks * blockSize)), callback, context);
    }

    /// <summary>Builds the capsule and posts it (also used for the Fabrics Connect, before RUNNING).</summary>
    internal int SubmitInternal(in NvmeCommand command, in DataRef data, NvmeCompletionCallback? callback, object? context, SglDescriptor? callersDptr = null,
        ReadOnlySpan<DataRef> iovs = default)
    {
        if (Resources is not { } r || CmId?.Qp is not { } qp)
        {
            return Errno.ENOTCONN;
        }

        var req = r.Get();
        if (req == null)
        {
            return Errno.EAGAIN;
        }

        var cmd = command;
        cmd.Cid = req.Id;
        cmd.Psdt = DataPointerType.SglMptrContiguous;
        var wr = new SendWorkRequest { WrId = HostWrId.Send(Serial, Generation, req.Id), Opcode = WrOpcode.Send, Flags = SendFlags.Signaled, NumSge = 1 };
        wr.SgList[0] = new Sge(r.CommandAddress(req.Id), NvmeCommand.Size, r.Mr.Lkey);
        if (iovs.Length > 1)
        {
            BuildDescriptorList(r, req.Id, ref cmd, ref wr, iovs); // nvme_rdma_build_sgl_request, several descriptors
        }
        else if (callersDptr is { } raw)
        {
            cmd.Dptr = raw; // the caller's SGL, its bytes (if any) after the command
            wr.NumSge = data.Length > 0 ? 2 : 1;
            wr.SgList[1] = new Sge(data.Addr, data.Length, data.Lkey);
        }
        else if (data.Length == 0)
        {
            cmd.Dptr = SglDescriptor.Keyed(0, 0, 0); // nvme_rdma_build_null_request
        }
        else if (UseInCapsuleData(cmd.Opcode, data.Length))
        {
            cmd.Dptr = SglDescriptor.InCapsule(0, data.Length);
            wr.NumSge = 2;
            wr.SgList[1] = new Sge(data.Addr, data.Length, data.Lkey);
        }
        else if (SglDescriptor.TryCreateKeyed(data.Addr, data.Length, data.Rkey, false, out var sgl).IsSuccess)
        {
            cmd.Dptr = sgl;
        }
        else
        {
            r.Put(req);
            return Errno.EINVAL; // longer than a keyed SGL can describe
        }

        cmd.Encode(r.Command(req.Id));
        req.Opcode = cmd.Opcode;
        req.Callback = callback;
        req.Context = context;
        req.DeadlineNs = _clock.NowNs + (IsAdmin ? _options.AdminTimeoutNs : _options.IoTimeoutNs);
        var rc = PostCapsule(qp, wr);
        if (rc != Errno.Ok && DefectCapsulePostLeak)
        {
            // SPDK HEAD (non-batched submission, docs/findings/003): nvme_rdma_reset_failed_sends gives the send back, but
            // the request stays outstanding and the qpair goes on; the caller gets the errno and frees its command, which
            // the request still points at (a later abort completes it).
            Log($"ibv_post_send failed: {Errno.Name(rc)}");
            return rc;
        }

        if (rc != Errno.Ok)
        {
            // The capsule never left: the request goes back to the free list (SPDK HEAD leaves it outstanding, pointing
            // at a request its caller frees: docs/findings/003). The send accounting said there was room, so the QP is
            // not usable: fail the qpair, as SPDK's batched submission does (nvme_rdma_qpair_process_completions).
            r.Put(req);
            Log($"ibv_post_send failed: {Errno.Name(rc)}");
            Fail(QpairFailureReason.Local);
            return Errno.ENOTCONN;
        }

        req.SendPosted = true;
        r.CurrentNumSends++;
        Submitted++;
        return Errno.Ok;
    }

    /// <summary>In-capsule data: host-to-controller opcode, fits the target's IOCCSZ, and ICDOFF is 0 (as SPDK).</summary>
    private bool UseInCapsuleData(byte opcode, uint length) =>
        (opcode & 0x3) == (int)NvmeDataTransfer.HostToController && length <= _ctrlr.InCapsuleDataBytes && _ctrlr.Icdoff == 0;

    private int PostRecv(QpairResources r, int index)
    {
        var wr = new RecvWorkRequest { WrId = HostWrId.Recv(Serial, Generation, index), NumSge = 1 };
        wr.SgList[0] = new Sge(r.ResponseAddress(index), NvmeCompletion.Size, r.Mr.Lkey);
        var rc = QueueOrPostRecv(r, wr);
        if (rc == Errno.Ok)
        {
            r.RecvPosted[index] = true;
            r.CurrentNumRecvs++;
        }

        return rc;
    }
}
