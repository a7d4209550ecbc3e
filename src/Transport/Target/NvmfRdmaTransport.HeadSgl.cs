using Harness.Transport.Invariants;
using Harness.Transport.Nvme;

namespace Harness.Transport.Target;

/// <summary>
/// SPDK HEAD's handling of an in-capsule descriptor list (a Last Segment / Offset SGL in the command), kept behind the
/// known-defect switches of docs/findings/006, 007 and 009. HEAD takes <c>num_wrs</c> from the segment's length alone
/// (rdma.c:nvmf_rdma_request_process:2021), waits for <c>num_wrs - 1</c> WRs in NEED_DATA_WR
/// (rdma.c:nvmf_rdma_request_process:2046) and reads the descriptors in NEED_BUFFER
/// (rdma.c:nvmf_rdma_request_parse_sgl:1761) without checking them against the receive buffer, the bytes received or
/// its 16-entry arrays. The port's own parsing (<c>ParseDescriptorList</c>) checks all of that and answers with an NVMe
/// status; with a switch on, the check it names is skipped and the always-on checks at the access report what SPDK
/// would do: read or write outside a buffer (<see cref="InvariantNames.BufferBounds"/>), use an earlier capsule's bytes
/// (<see cref="InvariantNames.CapsuleBytesReceived"/>), or wait for ever (<see cref="InvariantNames.BoundedLiveness"/>).
/// </summary>
public sealed partial class NvmfRdmaTransport
{
    private const KnownDefects HeadDescriptorListDefects = KnownDefects.DescriptorListOffsetScaled | KnownDefects.DescriptorCountUnchecked
        | KnownDefects.CapsuleLengthUnchecked;

    /// <summary>True when a descriptor list is parsed as SPDK HEAD does (one of its switches is on).</summary>
    private bool TrustsDescriptorListAsHead => (Options.Defects & HeadDescriptorListDefects) != 0;

    /// <summary>NEW → NEED_DATA_WR as HEAD: <c>num_wrs</c> = segment length / 16, the remainder ignored.</summary>
    private NvmeStatus QueueDescriptorListAsHead(RdmaRequest req, RdmaQpair qpair, in SglDescriptor sgl)
    {
        var count = sgl.Length / SglDescriptor.Size;
        Check.That(req.State == RdmaRequestState.New, InvariantNames.StateTransition, req, r => $"{r} parses its SGL outside NEW");

        // Finding 007: num_wrs 17 passes alloc_wrs(16) and overruns parse_sgl's 16-entry lengths[]; 0 or above 17
        // makes alloc_wrs fail with -EINVAL for ever. The port refuses all of them now.
        if ((count == 0 || count > SglDescriptor.MaxInCapsuleDescriptors) && !Defective(KnownDefects.DescriptorCountUnchecked))
        {
            return count == 0 ? NvmeStatus.InvalidSglSegDescriptor : NvmeStatus.InvalidNumSglDescriptors;
        }

        req.NumWrs = (int)count;
        qpair.Poller!.Group.PendingBufQueue.InsertTail(req);
        SetState(req, RdmaRequestState.NeedDataWr);
        return NvmeStatus.Success;
    }

    /// <summary>
    /// NEED_BUFFER as HEAD's <c>nvmf_rdma_request_parse_sgl</c> and <c>nvmf_rdma_request_fill_iovs_multi_sgl</c>:
    /// read <c>num_wrs</c> descriptors, sum their lengths, refuse any that is not a keyed Address descriptor.
    /// </summary>
    private NvmeStatus ReadDescriptorListAsHead(RdmaRequest req)
    {
        var recv = req.Recv!;
        var sgl = req.Cmd.Dptr;
        var count = req.NumWrs;
        var bufferBytes = (ulong)recv.Resources.InCapsuleDataSize;
        var icdBytes = (ulong)Math.Max(0, (long)recv.ByteLen - RdmaResources.CapsuleBytes);

        // HEAD: (struct spdk_nvme_sgl_descriptor *)recv->buf + sgl->address — the cast binds first (finding 006).
        var scaled = Defective(KnownDefects.DescriptorListOffsetScaled);
        var start = scaled ? (UInt128)sgl.Address * SglDescriptor.Size : sgl.Address;
        var end = start + ((UInt128)(uint)count * SglDescriptor.Size);
        // The port's bounds, as ParseDescriptorList: within the bytes received (finding 009) and the receive buffer.
        var limit = Defective(KnownDefects.CapsuleLengthUnchecked) ? bufferBytes : Math.Min(icdBytes, bufferBytes);
        if (!scaled && (start > limit || end > limit))
        {
            return start > limit ? NvmeStatus.InvalidSglOffset : NvmeStatus.DataSglLengthInvalid;
        }

        Check.That(count <= SglDescriptor.MaxInCapsuleDescriptors, InvariantNames.BufferBounds, req, r =>
            $"{r}: nvmf_rdma_request_parse_sgl writes lengths[{r.NumWrs - 1}] of its {SglDescriptor.MaxInCapsuleDescriptors}-entry stack array (past the end)");
        Check.That(end <= bufferBytes, InvariantNames.BufferBounds, (req, start, end, bufferBytes), s =>
            $"{s.req} reads its descriptor list at bytes {s.start}..{s.end} of a {s.bufferBytes}-byte receive buffer: outside it");
        Check.That(end <= icdBytes, InvariantNames.CapsuleBytesReceived, (req, start, end, icdBytes), s =>
            $"{s.req} reads its descriptor list at bytes {s.start}..{s.end} of a capsule that carried {s.icdBytes} bytes of data: the rest is an earlier capsule's");
        return SumDescriptorsAsHead(req, recv.Resources.InCapsuleData(recv.Index).Slice((int)start, count * SglDescriptor.Size));
    }

    private NvmeStatus SumDescriptorsAsHead(RdmaRequest req, ReadOnlySpan<byte> list)
    {
        ulong total = 0;
        for (var i = 0; i < req.NumWrs; i++)
        {
            var desc = SglDescriptor.Read(list.Slice(i * SglDescriptor.Size, SglDescriptor.Size));
            if (!desc.IsKeyed || desc.Subtype != SglDescriptorSubtype.Address)
            {
                return NvmeStatus.DataSglLengthInvalid; // as fill_iovs_multi_sgl's -EINVAL
            }

            if (desc.Length > (uint)(Options.IoUnitSize * req.Qpair!.MaxSendSge))
            {
                return NvmeStatus.DataSglLengthInvalid; // the port's limit: one descriptor fits one WR
            }

            req.Descriptors[i] = desc;
            total += desc.Length;
        }

        if (total > (ulong)Options.MaxIoSize)
        {
            return NvmeStatus.DataSglLengthInvalid;
        }

        Check.That(total <= uint.MaxValue, InvariantNames.DepthCounters, req, r => $"{r}: descriptor lengths overflow");
        req.Length = (uint)total;
        return NvmeStatus.Success;
    }
}
