using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>Parsing a new capsule, data buffers and WRs, transfers in and out, completion and free.</summary>
public sealed partial class NvmfRdmaTransport
{
    /// <summary>
    /// SPDK_NVMF_MAX_SGL_ENTRIES: SGEs of one data WR (rdma.c:nvmf_rdma_fill_wr_sgl:1507), descriptors of one list and
    /// extra WRs of one request (rdma.c:nvmf_request_alloc_wrs:1457).
    /// </summary>
    public const int SglEntriesMax = 16;

    private void StepNew(RdmaRequest req, RdmaQpair qpair)
    {
        var recv = req.Recv!;

        // SPDK HEAD never reads wc.byte_len (capsule-length-unchecked, docs/findings/009): a short capsule's command is
        // whatever the previous capsule left in the buffer. The port decodes only the bytes that arrived.
        var sqeBytes = Defective(KnownDefects.CapsuleLengthUnchecked) ? RdmaResources.CapsuleBytes : (int)Math.Min(recv.ByteLen, RdmaResources.CapsuleBytes);
        Check.That(sqeBytes <= recv.ByteLen, InvariantNames.CapsuleBytesReceived, (req, recv.ByteLen), s =>
            $"{s.req} takes its 64-byte command from a capsule of {s.ByteLen} bytes: the rest is an earlier capsule's");
        var decoded = NvmeCommand.TryDecode(recv.Resources.Capsule(recv.Index)[..sqeBytes], out req.Cmd);
        req.Rsp = new NvmeCompletion { Cid = req.Cmd.Cid };
        req.NumWrs = 1;
        req.NumOutstandingDataWr = 0;
        req.NumRemainingDataWr = 0;
        req.FirstUnpostedWr = 0;
        req.Length = 0;
        req.InCapsuleData = false;
        if (decoded.IsError)
        {
            CheckFusedOrdering(req, qpair, FusedOperation.None); // still the next command after a pending FIRST
            CompleteWithStatus(req, qpair, decoded);
            return;
        }

        CheckFusedOrdering(req, qpair, req.Cmd.Fuse);
        var xfer = req.Cmd.GetDataTransfer();
        req.Xfer = xfer;
        switch (req.Xfer)
        {
            case NvmeDataTransfer.Bidirectional:
                CompleteWithStatus(req, qpair, NvmeStatus.InvalidOpcode);
                return;
            case NvmeDataTransfer.None:
                SetState(req, RdmaRequestState.ReadyToExecute);
                return;
        }

        var status = ParseSgl(req, qpair);
        if (status.IsError)
        {
            CompleteWithStatus(req, qpair, status);
        }
    }

    /// <summary>Keyed SGL → NEED_BUFFER; in-capsule data → READY_TO_EXECUTE; in-capsule descriptor list → NEED_DATA_WR.</summary>
    private NvmeStatus ParseSgl(RdmaRequest req, RdmaQpair qpair)
    {
        var sgl = req.Cmd.Dptr;
        if (sgl.IsInCapsuleDescriptorList && TrustsDescriptorListAsHead)
        {
            return QueueDescriptorListAsHead(req, qpair, sgl);
        }

        var valid = sgl.Validate();
        if (valid.IsError)
        {
            return valid;
        }

        if (sgl.IsKeyedDataBlock)
        {
            if (sgl.Length > Options.MaxIoSize)
            {
                return NvmeStatus.DataSglLengthInvalid;
            }

            req.Length = sgl.Length;
            req.Descriptors[0] = sgl;
            SetState(req, RdmaRequestState.NeedBuffer);
            return NvmeStatus.Success;
        }

        var icdBytes = (uint)Math.Max(0, (int)req.Recv!.ByteLen - RdmaResources.CapsuleBytes);
        if (sgl.IsInCapsuleData)
        {
            return ParseInCapsuleData(req, sgl, icdBytes);
        }

        if (sgl.IsInCapsuleDescriptorList)
        {
            return ParseDescriptorList(req, qpair, sgl, icdBytes);
        }

        return NvmeStatus.SglDescriptorTypeInvalid;
    }

    private NvmeStatus ParseInCapsuleData(RdmaRequest req, in SglDescriptor sgl, uint icdBytes)
    {
        if (req.Xfer != NvmeDataTransfer.HostToController)
        {
            return NvmeStatus.InvalidField; // in-capsule data only carries host-to-controller data
        }

        var status = sgl.TryGetInCapsuleRange((uint)Options.InCapsuleDataSize, out var offset, out var length);
        if (status.IsError)
        {
            return status;
        }

        if (offset + length > icdBytes && !Defective(KnownDefects.CapsuleLengthUnchecked))
        {
            return NvmeStatus.DataSglLengthInvalid; // the capsule did not carry that much data
        }

        Check.That(offset + length <= icdBytes, InvariantNames.CapsuleBytesReceived, (req, offset + length, icdBytes), s =>
            $"{s.req} executes with in-capsule data up to byte {s.Item2} of a capsule that carried {s.icdBytes}: the rest is an earlier capsule's");

        req.InCapsuleData = true;
        req.InCapsuleOffset = offset;
        req.Length = length;
        SetState(req, RdmaRequestState.ReadyToExecute);
        return NvmeStatus.Success;
    }

    private NvmeStatus ParseDescriptorList(RdmaRequest req, RdmaQpair qpair, in SglDescriptor sgl, uint icdBytes)
    {
        var recv = req.Recv!;
        var data = recv.Resources.InCapsuleData(recv.Index)[..(int)Math.Min(icdBytes, (uint)Options.InCapsuleDataSize)];
        var status = SglDescriptor.TryDecodeList(data, sgl, req.Descriptors, out var count);
        if (status.IsError)
        {
            return status;
        }

        ulong total = 0;
        uint longest = 0;
        for (var i = 0; i < count; i++)
        {
            if (req.Descriptors[i].Subtype != SglDescriptorSubtype.Address)
            {
                return NvmeStatus.DataSglLengthInvalid; // as HEAD's fill_iovs_multi_sgl: keyed Address descriptors only
            }

            total += req.Descriptors[i].Length;
            longest = Math.Max(longest, req.Descriptors[i].Length);
        }

        if (total > (ulong)Options.MaxIoSize)
        {
            return NvmeStatus.DataSglLengthInvalid;
        }

        if (longest > (ulong)_buffers!.UnitFor((uint)total) * (ulong)qpair.MaxSendSge)
        {
            return NvmeStatus.DataSglLengthInvalid; // one descriptor must fit one WR, over buffers of the unit the total picks
        }

        req.Length = (uint)total;
        req.NumWrs = count;
        qpair.Poller!.Group.PendingBufQueue.InsertTail(req);
        SetState(req, RdmaRequestState.NeedDataWr);
        return NvmeStatus.Success;
    }

    /// <summary>
    /// NEED_BUFFER (rdma.c:nvmf_rdma_request_process:2054, through nvmf_rdma_request_parse_sgl): buffers for the whole
    /// length. On -ENOMEM the request keeps what it got, waits in the qpair's pending_iobuf_queue and in its group's
    /// iobuf channel, and is moved on by the callback of the put that completes it (<see cref="GetBuffersDone"/>):
    /// nothing retries it from here.
    /// </summary>
    private void StepNeedBuffer(RdmaRequest req, RdmaQpair qpair)
    {
        if (req.StateOwner == qpair.PendingIobufQueue.Id)
        {
            return; // waiting for an iobuf put; HEAD never processes such a request (process_pending has no iobuf walk)
        }

        if (req.Cmd.Dptr.IsInCapsuleDescriptorList && TrustsDescriptorListAsHead)
        {
            // HEAD reads the list here, in nvmf_rdma_request_parse_sgl, after NEED_DATA_WR took the WRs.
            var status = ReadDescriptorListAsHead(req);
            if (status.IsError)
            {
                CompleteWithStatus(req, qpair, status);
                return;
            }
        }

        if (!FitsSendQueue(req, qpair))
        {
            CompleteWithStatus(req, qpair, NvmeStatus.DataSglLengthInvalid);
            return;
        }

        if (req.Cmd.Dptr.IsKeyedDataBlock)
        {
            req.NumWrs = 1; // rdma.c:nvmf_rdma_request_fill_iovs: the embedded data WR alone
        }

        switch (RequestGetBuffers(req, qpair, req.Length))
        {
            case BufferGet.NoMemory:
                qpair.PendingIobufQueue.InsertTail(req);
                return;
            case BufferGet.TooMany:
                ReleaseBuffers(req, qpair);
                CompleteWithStatus(req, qpair, NvmeStatus.DataSglLengthInvalid);
                return;
        }

        if (!FillDataWrs(req, qpair))
        {
            // rdma.c:nvmf_rdma_request_fill_iovs:1571: "Not enough SG entries", the buffers go back, the command fails.
            ReleaseBuffers(req, qpair);
            CompleteWithStatus(req, qpair, NvmeStatus.DataSglLengthInvalid);
            return;
        }

        SetState(req, RdmaRequestState.HaveBuffer);
    }

    /// <summary>
    /// A controller-to-host transfer posts all its WRITEs and the response at once, so it can never start when they
    /// exceed the qpair's send depth: fail it with an NVMe error rather than wait forever. (READs are posted in parts.)
    /// A keyed SGL is one WRITE, which always fits (the send depth is at least 2); only a descriptor list can exceed it.
    /// </summary>
    private bool FitsSendQueue(RdmaRequest req, RdmaQpair qpair)
    {
        if (req.Cmd.Dptr.IsKeyedDataBlock || Defective(KnownDefects.C2hWrsExceedSendDepth))
        {
            return true; // SPDK HEAD never compares a descriptor list's WRs with the send depth (docs/findings/008)
        }

        return req.Xfer != NvmeDataTransfer.ControllerToHost || req.NumWrs + 1 <= qpair.MaxSendDepth;
    }

    /// <summary>
    /// Builds the READ/WRITE WRs over the buffers, as rdma.c:nvmf_rdma_fill_wr_sgl:1494: a keyed SGL is one WR, a
    /// descriptor list one WR per descriptor, each of at most the qpair's <c>max_send_sge</c> SGEs. False when the data
    /// does not fit them ("Not enough SG entries to hold data buffer").
    /// </summary>
    private bool FillDataWrs(RdmaRequest req, RdmaQpair qpair)
    {
        var iobuf = qpair.Poller!.Buffers;
        var opcode = req.Xfer == NvmeDataTransfer.HostToController ? WrOpcode.RdmaRead : WrOpcode.RdmaWrite;
        var flags = opcode == WrOpcode.RdmaRead ? SendFlags.Signaled : SendFlags.None;
        var singleKeyed = req.Cmd.Dptr.IsKeyedDataBlock;
        Check.That(!singleKeyed || req.NumWrs == 1, InvariantNames.DepthCounters, req, r => $"{r}: a keyed SGL fills {r.NumWrs} data WRs, not one");

        // HEAD's rdma_req->iovpos and rdma_req->offset: the walk over the buffers goes on from one WR to the next.
        var buffer = 0;
        uint offset = 0;
        for (var w = 0; w < req.NumWrs; w++)
        {
            var desc = singleKeyed ? req.Cmd.Dptr : req.Descriptors[w];
            ref var wr = ref req.Wrs[w]!.Wr;
            wr = new SendWorkRequest { WrId = req.DataWrId, Opcode = opcode, Flags = flags, Rkey = desc.Key, RemoteAddr = desc.Address };
            var remaining = singleKeyed ? req.Length : desc.Length;
            while (remaining > 0 && wr.NumSge < qpair.MaxSendSge)
            {
                Check.That(buffer < req.BufferCount, InvariantNames.BufferBounds, (req, buffer), s => $"{s.req}: its WRs run past its {s.buffer} buffers");
                var iovLength = req.BufferLengths[buffer];
                var pool = iobuf.PoolFor(iovLength);
                var len = Math.Min(iovLength - offset, remaining);
                wr.SgList[wr.NumSge++] = new Sge(pool.AddressOf(req.Buffers[buffer]) + offset, len, pool.Mr.Lkey);
                remaining -= len;
                offset += len;
                if (offset == iovLength)
                {
                    offset = 0;
                    buffer++;
                }
            }

            if (remaining > 0)
            {
                return false;
            }
        }

        Check.That(buffer == req.BufferCount && offset == 0, InvariantNames.NoLeakOnDestroy, (req, buffer, offset), s =>
            $"{s.req} holds {s.req.BufferCount} buffers but its WRs end at byte {s.offset} of buffer {s.buffer}");
        req.NumOutstandingDataWr = req.NumWrs;
        req.FirstUnpostedWr = 0;
        return true;
    }

    private static void PrepareTransferInPart(RdmaRequest req, int available)
    {
        req.NumRemainingDataWr = req.NumOutstandingDataWr - available;
        req.NumOutstandingDataWr = available;
    }

    /// <summary>Queues the next <c>NumOutstandingDataWr</c> READs (each signaled).</summary>
    private void TransferIn(RdmaRequest req, RdmaQpair qpair)
    {
        var n = req.NumOutstandingDataWr;
        for (var i = 0; i < n; i++)
        {
            QueueSend(qpair, req.Wrs[req.FirstUnpostedWr + i]!.Wr);
        }

        req.FirstUnpostedWr += n;
        req.OutstandingReads += n;
        qpair.CurrentReadDepth += n;
        qpair.CurrentSendDepth += n;
        CheckDepths(qpair);
    }

    /// <summary>READY_TO_COMPLETE: re-post the receive, then (WRITEs +) the response SEND.</summary>
    private void TransferOut(RdmaRequest req, RdmaQpair qpair)
    {
        qpair.SqHead = (ushort)((qpair.SqHead + 1) % (qpair.SqSize + 1 > 1 ? qpair.SqSize + 1 : qpair.MaxQueueDepth));
        req.Rsp.Sqhd = qpair.SqHead;
        req.Rsp.Sqid = 0;
        req.Rsp.Encode(req.Resources.Completion(req.Index));
        RepostRecv(req, qpair);
        var withData = req.Rsp.Status.IsSuccess && req.Xfer == NvmeDataTransfer.ControllerToHost;
        req.NumOutstandingDataWr = withData ? req.NumWrs : 0;
        for (var i = 0; i < req.NumOutstandingDataWr; i++)
        {
            QueueSend(qpair, req.Wrs[i]!.Wr);
        }

        var rsp = req.RspWr;
        if (req.Cmd.Dptr.InvalidatesKey)
        {
            rsp.Opcode = WrOpcode.SendWithInv;
            rsp.InvalidateRkeyOrImm = req.Cmd.Dptr.Key;
        }

        QueueSend(qpair, rsp);
        req.RspPosted = true;
        qpair.CurrentSendDepth += req.NumOutstandingDataWr + 1;
        CheckDepths(qpair);
        SetState(req, withData ? RdmaRequestState.TransferringControllerToHost : RdmaRequestState.Completing);
    }

    private void RepostRecv(RdmaRequest req, RdmaQpair qpair)
    {
        var recv = req.Recv;
        if (recv == null)
        {
            return;
        }

        req.Recv = null;
        qpair.CurrentRecvDepth--;
        if (qpair.Poller!.Srq != null)
        {
            RepostSrqRecv(qpair.Poller, recv);
        }
        else if (!qpair.Destroyed)
        {
            QueueRecv(qpair, recv);
        }
    }

    /// <summary>Completes the command with an NVMe error: straight to the response queue (SPDK's helper does not look at other queues).</summary>
    private void CompleteWithStatus(RdmaRequest req, RdmaQpair qpair, NvmeStatus status)
    {
        req.Rsp.Status = status;
        req.Rsp.Cid = req.Cmd.Cid;
        qpair.PendingRdmaSendQueue.InsertTail(req);
        SetState(req, RdmaRequestState.ReadyToCompletePending);
    }

    private static bool CompletionIsSuccess(RdmaRequest req) => req.Rsp.Status.IsSuccess;

    /// <summary>COMPLETED → FREE: give back the receive (SRQ), buffers and pooled WRs; head of the free queue.</summary>
    private void FreeRequest(RdmaRequest req, RdmaQpair qpair)
    {
        if (qpair.Poller?.Srq != null && req.Recv != null)
        {
            RepostRecv(req, qpair);
        }

        if (req.BufferCount > 0)
        {
            ReleaseBuffers(req, qpair);
        }

        _dataWrPool.Return(req);
        ReleaseFused(req, qpair);
        req.NumWrs = 0;
        req.NumOutstandingDataWr = 0; // reset as SPDK's free does: WRs prepared but never posted are simply dropped
        req.NumRemainingDataWr = 0;
        req.FirstUnpostedWr = 0;
        req.Generation++;
        req.Resources.FreeQueue.InsertHead(req);
        qpair.QueueDepth--;
        Check.That(qpair.QueueDepth >= 0, InvariantNames.DepthCounters, qpair, q => $"{q}: queue_depth below zero");
        SetState(req, RdmaRequestState.Free);
    }
}
