using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// Scattered payloads (SPDK nvme_rdma_build_sgl_request / nvme_rdma_build_iov_request): a payload of several iovecs is
/// described by one keyed descriptor per iovec, written after the command in the capsule, and the command's SGL is a
/// Last Segment descriptor with subtype Offset pointing at them (offset 0). A payload of one iovec is a single keyed
/// descriptor in the command, as <see cref="Submit"/>. The iovecs here are consecutive pieces of one registered buffer.
/// </summary>
public sealed partial class NvmeRdmaQpair
{
    /// <summary>
    /// Descriptors a command may carry (SPDK nvme_rdma_ctrlr_get_max_sges): at most 16, at most what fits in the
    /// capsule's in-capsule data area (IOCCSZ), at most the controller's MSDBD when it reports one, and at least 1.
    /// </summary>
    public int MaxSges
    {
        get
        {
            var max = Math.Min(SglDescriptor.MaxInCapsuleDescriptors, (int)(_ctrlr.InCapsuleDataBytes / SglDescriptor.Size));
            var msdbd = _ctrlr.ControllerData.Msdbd;
            if (msdbd != 0)
            {
                max = Math.Min(max, msdbd);
            }

            return Math.Max(1, max);
        }
    }

    /// <summary>NVM Read into <paramref name="iovecs"/> consecutive pieces of the buffer (SPDK spdk_nvme_ns_cmd_readv).</summary>
    public int SubmitReadv(uint nsid, ulong lba, int blocks, DmaBuffer buffer, int offset, int iovecs, NvmeCompletionCallback callback, object? context) =>
        SubmitReadWritev(NvmeIoOpcode.Read, nsid, lba, blocks, buffer, offset, iovecs, callback, context);

    /// <summary>NVM Write from <paramref name="iovecs"/> consecutive pieces of the buffer (SPDK spdk_nvme_ns_cmd_writev).</summary>
    public int SubmitWritev(uint nsid, ulong lba, int blocks, DmaBuffer buffer, int offset, int iovecs, NvmeCompletionCallback callback, object? context) =>
        SubmitReadWritev(NvmeIoOpcode.Write, nsid, lba, blocks, buffer, offset, iovecs, callback, context);

    /// <summary>
    /// Splits the payload at block boundaries into <paramref name="iovecs"/> pieces (the first ones one block longer when
    /// it does not divide), translates each and submits. EINVAL when there are more iovecs than blocks or than
    /// <see cref="MaxSges"/> (SPDK: the payload does not fit the descriptors, nvme_rdma_req_init fails).
    /// </summary>
    private int SubmitReadWritev(NvmeIoOpcode opcode, uint nsid, ulong lba, int blocks, DmaBuffer buffer, int offset, int iovecs, NvmeCompletionCallback callback, object? context)
    {
        if (iovecs <= 1)
        {
            return SubmitReadWrite(opcode, nsid, lba, blocks, buffer, offset, callback, context);
        }

        var blockSize = (int)_ctrlr.BlockSize;
        if (_state != NvmeRdmaQpairState.Running)
        {
            return Errno.ENOTCONN;
        }

        if (blocks is < 1 or > ushort.MaxValue + 1 || blockSize == 0 || iovecs > blocks || iovecs > MaxSges || buffer == null || offset < 0
            || (long)blocks * blockSize > _ctrlr.MaxTransferBytes)
        {
            return Errno.EINVAL;
        }

        Span<DataRef> iovs = stackalloc DataRef[SglDescriptor.MaxInCapsuleDescriptors];
        var at = offset;
        for (var i = 0; i < iovecs; i++)
        {
            var bytes = ((blocks / iovecs) + (i < blocks % iovecs ? 1 : 0)) * blockSize;
            var addr = buffer.Address + (ulong)at;
            var rc = _ctrlr.MemoryMap!.Translate(buffer, addr, (ulong)bytes, out var lkey, out var rkey);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            iovs[i] = new DataRef(addr, (uint)bytes, lkey, rkey);
            at += bytes;
        }

        Check.That(at - offset == blocks * blockSize, InvariantNames.BufferBounds, (this, iovecs, bytes: at - offset, blocks),
            s => $"{s.Item1}: the {s.iovecs} iovecs cover {s.bytes} bytes of a {s.blocks}-block payload");
        var cmd = new ReadWriteCommand { Opcode = opcode, Nsid = nsid, Slba = lba, Nlb = (ushort)(blocks - 1) }.ToCommand();
        return SubmitInternal(cmd, default, callback, context, null, iovs[..iovecs]);
    }

    /// <summary>
    /// Writes one keyed Address descriptor per iovec into the request's descriptor list and points the command at it
    /// with a Last Segment / Offset descriptor (offset 0, length 16 × count); the SEND carries the command and the list
    /// (SPDK nvme_rdma_configure_sgl_request with more than one descriptor).
    /// </summary>
    private static void BuildDescriptorList(QpairResources r, int id, ref NvmeCommand cmd, ref SendWorkRequest wr, ReadOnlySpan<DataRef> iovs)
    {
        Check.That(iovs.Length is > 1 and <= SglDescriptor.MaxInCapsuleDescriptors, InvariantNames.BufferBounds, (id, count: iovs.Length),
            s => $"host request {s.id}: a descriptor list of {s.count} entries (2..{SglDescriptor.MaxInCapsuleDescriptors})");
        var list = r.Descriptors(id);
        for (var i = 0; i < iovs.Length; i++)
        {
            SglDescriptor.Keyed(iovs[i].Addr, iovs[i].Length, iovs[i].Rkey).Encode(list[(i * SglDescriptor.Size)..]);
        }

        var listBytes = iovs.Length * SglDescriptor.Size;
        cmd.Dptr = SglDescriptor.LastSegmentInCapsule(0, iovs.Length);
        Check.That(cmd.Dptr.Length == (uint)listBytes, InvariantNames.BufferBounds, (id, named: cmd.Dptr.Length, listBytes),
            s => $"host request {s.id}: the Last Segment descriptor names {s.named} bytes, its list has {s.listBytes}");
        wr.NumSge = 2;
        wr.SgList[1] = new Sge(r.DescriptorsAddress(id), (uint)listBytes, r.Mr.Lkey);
    }
}
