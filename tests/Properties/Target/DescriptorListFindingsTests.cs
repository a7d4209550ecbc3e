using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// Goal: a capsule whose in-capsule descriptor list or data does not fit what it carried gets an NVMe error status and
/// the target goes on; SPDK HEAD's parsing (docs/findings/006, 007 and 009, one known-defect switch each) is caught by the
/// always-on checks at the access: <c>buffer-bounds</c> where SPDK reads or writes outside a buffer or array,
/// <c>capsule-bytes-received</c> where it uses an earlier capsule's bytes, <c>bounded-liveness</c> where a request
/// would wait for ever. Each pair of tests sends the same bytes with the fix and with HEAD's behaviour.
/// </summary>
public sealed class DescriptorListFindingsTests
{
    private const int BlockBytes = 4096;

    [Fact]
    public void Finding006_a_list_at_a_nonzero_byte_offset_is_read_at_that_offset()
    {
        using var bed = Bed(KnownDefects.None);
        var host = Connect(bed);
        host.Slot(1, 2 * BlockBytes).Fill(0x5A);

        var write = Answer(bed, host, host.SendCapsule(1, ListCapsule(host, cid: 1, count: 2, offset: 16)), 1);
        Assert.True(write.Status.IsSuccess, $"write with its list at byte 16: {write.Status}");
        Assert.True(ReadBack(bed, host, blocks: 2).All(b => b == 0x5A), "the data written is not what the two descriptors at byte 16 point to");
    }

    [Fact]
    public void Finding006_spdk_head_scales_the_offset_by_16_and_reads_bytes_the_capsule_did_not_carry()
    {
        using var bed = Bed(KnownDefects.DescriptorListOffsetScaled);
        var host = Connect(bed);

        var violation = SendExpectingViolation(bed, host, ListCapsule(host, cid: 1, count: 2, offset: 16));
        Assert.Equal(InvariantNames.CapsuleBytesReceived, violation.Invariant);
        Assert.Contains("reads its descriptor list at bytes 256..288 of a capsule that carried 48 bytes", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Finding006_an_offset_past_the_capsule_is_an_invalid_sgl_offset()
    {
        using var bed = Bed(KnownDefects.None);
        var host = Connect(bed);

        var answer = Answer(bed, host, host.SendCapsule(1, ListCapsule(host, cid: 1, count: 2, offset: 300, sentListBytes: 0)), 1);
        Assert.Equal(NvmeStatus.InvalidSglOffset, answer.Status);
        WellFormedWriteStillWorks(bed, host);
    }

    [Fact]
    public void Finding006_spdk_head_reads_outside_the_receive_buffer_for_the_same_offset()
    {
        using var bed = Bed(KnownDefects.DescriptorListOffsetScaled);
        var host = Connect(bed);

        var violation = SendExpectingViolation(bed, host, ListCapsule(host, cid: 1, count: 2, offset: 300, sentListBytes: 0));
        Assert.Equal(InvariantNames.BufferBounds, violation.Invariant);
        Assert.Contains("at bytes 4800..4832 of a 4096-byte receive buffer: outside it", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Finding007_seventeen_descriptors_are_refused()
    {
        using var bed = Bed(KnownDefects.None);
        var host = Connect(bed);

        var answer = Answer(bed, host, host.SendCapsule(1, ListCapsule(host, cid: 1, count: 17, offset: 0)), 1);
        Assert.Equal(NvmeStatus.InvalidNumSglDescriptors, answer.Status);
        WellFormedWriteStillWorks(bed, host);
    }

    [Fact]
    public void Finding007_spdk_head_writes_one_past_its_lengths_array()
    {
        using var bed = Bed(KnownDefects.DescriptorCountUnchecked);
        var host = Connect(bed);

        var violation = SendExpectingViolation(bed, host, ListCapsule(host, cid: 1, count: 17, offset: 0));
        Assert.Equal(InvariantNames.BufferBounds, violation.Invariant);
        Assert.Contains("writes lengths[16] of its 16-entry stack array", violation.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(18)]
    [InlineData(0)]
    public void Finding007_a_descriptor_count_no_wr_allocation_can_satisfy_is_refused(int count)
    {
        using var bed = Bed(KnownDefects.None);
        var host = Connect(bed);

        var answer = Answer(bed, host, host.SendCapsule(1, ListCapsule(host, cid: 1, count: count, offset: 0)), 1);
        Assert.Equal(count == 0 ? NvmeStatus.InvalidSglSegDescriptor : NvmeStatus.InvalidNumSglDescriptors, answer.Status);
        WellFormedWriteStillWorks(bed, host);
    }

    [Theory]
    [InlineData(18)]
    [InlineData(0)]
    public void Finding007_spdk_head_leaves_it_at_the_head_of_the_data_wr_queue_for_ever(int count)
    {
        using var bed = Bed(KnownDefects.DescriptorCountUnchecked);
        var host = Connect(bed);

        var violation = SendExpectingViolation(bed, host, ListCapsule(host, cid: 1, count: count, offset: 0));
        Assert.Equal(InvariantNames.BoundedLiveness, violation.Invariant);
        Assert.Contains($"for {(uint)(count - 1)} extra data WRs, more than nvmf_request_alloc_wrs ever gives", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Finding008_a_read_whose_writes_never_fit_the_send_queue_is_refused_and_the_qpair_goes_on()
    {
        using var bed = Bed(KnownDefects.None);
        var host = Connect(bed, depth: 4); // max_queue_depth 5, max_send_depth 10
        Assert.True(Answer(bed, host, host.SendCapsule(1, ListCapsule(host, cid: 1, count: 16, offset: 0)), 1).Status.IsSuccess, "16-descriptor write");

        var read = Answer(bed, host, host.SendCapsule(2, ListCapsule(host, cid: 2, count: 16, offset: 0, opcode: NvmeIoOpcode.Read)), 2);
        Assert.Equal(NvmeStatus.DataSglLengthInvalid, read.Status);
        Assert.True(ReadBack(bed, host, blocks: 2).Length == 2 * BlockBytes, "a later read of the qpair");
    }

    [Fact]
    public void Finding008_spdk_head_leaves_it_at_the_head_of_the_write_queue_for_ever()
    {
        using var bed = Bed(KnownDefects.C2hWrsExceedSendDepth);
        var host = Connect(bed, depth: 4);

        var violation = SendExpectingViolation(bed, host, ListCapsule(host, cid: 2, count: 16, offset: 0, opcode: NvmeIoOpcode.Read));
        Assert.Equal(InvariantNames.BoundedLiveness, violation.Invariant);
        Assert.Contains("for 16 WRITEs and its response, more than the 10 WRs of the send queue", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Finding009_in_capsule_data_longer_than_the_capsule_is_refused()
    {
        using var bed = Bed(KnownDefects.None);
        var host = Connect(bed);

        var answer = Answer(bed, host, host.SendCapsule(1, ShortInCapsuleWrite(cid: 1)), 1);
        Assert.Equal(NvmeStatus.DataSglLengthInvalid, answer.Status);
        WellFormedWriteStillWorks(bed, host);
    }

    [Fact]
    public void Finding009_spdk_head_writes_an_earlier_capsules_bytes()
    {
        using var bed = Bed(KnownDefects.CapsuleLengthUnchecked);
        var host = Connect(bed);

        var violation = SendExpectingViolation(bed, host, ShortInCapsuleWrite(cid: 1));
        Assert.Equal(InvariantNames.CapsuleBytesReceived, violation.Invariant);
        Assert.Contains("in-capsule data up to byte 4096 of a capsule that carried 512", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Finding009_a_list_longer_than_the_capsule_is_refused_and_head_reads_past_it()
    {
        using (var bed = Bed(KnownDefects.None))
        {
            var host = Connect(bed);
            var answer = Answer(bed, host, host.SendCapsule(1, ListCapsule(host, cid: 1, count: 4, offset: 0, sentListBytes: 32)), 1);
            Assert.Equal(NvmeStatus.DataSglLengthInvalid, answer.Status);
        }

        using (var bed = Bed(KnownDefects.CapsuleLengthUnchecked))
        {
            var host = Connect(bed);
            var violation = SendExpectingViolation(bed, host, ListCapsule(host, cid: 1, count: 4, offset: 0, sentListBytes: 32));
            Assert.Equal(InvariantNames.CapsuleBytesReceived, violation.Invariant);
            Assert.Contains("at bytes 0..64 of a capsule that carried 32 bytes", violation.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Finding009_a_truncated_command_is_answered_and_head_decodes_stale_bytes()
    {
        var full = new byte[64];
        new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = 1, Nsid = 1, Nlb = 0, Dptr = SglDescriptor.InCapsule(0, 0) }.ToCommand().Encode(full);
        using (var bed = Bed(KnownDefects.None))
        {
            var host = Connect(bed);
            var answer = Answer(bed, host, host.SendCapsule(1, full.AsSpan(0, 40)), 1);
            Assert.True(answer.Status.IsError, $"a 40-byte command was answered {answer.Status}");
        }

        using (var bed = Bed(KnownDefects.CapsuleLengthUnchecked))
        {
            var host = Connect(bed);
            var violation = SendExpectingViolation(bed, host, full.AsSpan(0, 40).ToArray());
            Assert.Equal(InvariantNames.CapsuleBytesReceived, violation.Invariant);
            Assert.Contains("takes its 64-byte command from a capsule of 40 bytes", violation.Detail, StringComparison.Ordinal);
        }
    }

    private static TargetBed Bed(KnownDefects defects) =>
        new(new TargetOptions { NumSharedBuffers = 1024, IoUnitSize = BlockBytes, Defects = defects });

    private static RawHost Connect(TargetBed bed, int depth = 8)
    {
        var host = bed.AddHost("h", depth);
        bed.Connect(host, qid: 1);
        return host;
    }

    /// <summary>
    /// A write of <paramref name="count"/> blocks whose SGL is a Last Segment / Offset list at byte
    /// <paramref name="offset"/> of the in-capsule data, one keyed 4 KiB descriptor per block of data slot 1; the
    /// capsule carries <paramref name="sentListBytes"/> bytes of data (default: up to the end of the list).
    /// </summary>
    private static byte[] ListCapsule(RawHost host, ushort cid, int count, uint offset, int? sentListBytes = null, NvmeIoOpcode opcode = NvmeIoOpcode.Write)
    {
        var data = sentListBytes ?? (int)offset + (count * SglDescriptor.Size);
        var capsule = new byte[64 + data];
        var dptr = count == 0
            ? SglDescriptor.Unkeyed(SglDescriptorType.LastSegment, SglDescriptorSubtype.Offset, offset, SglDescriptor.Size / 2)
            : SglDescriptor.LastSegmentInCapsule(offset, count);
        new ReadWriteCommand { Opcode = opcode, Cid = cid, Nsid = 1, Slba = 0, Nlb = (ushort)Math.Max(0, count - 1), Dptr = dptr }
            .ToCommand().Encode(capsule);
        for (var i = 0; i < count && 64 + offset + ((i + 1) * SglDescriptor.Size) <= capsule.Length; i++)
        {
            SglDescriptor.Keyed(host.Data.Address + (ulong)(host.SlotBytes + (i * BlockBytes)), BlockBytes, host.DataMr.Rkey)
                .Encode(capsule.AsSpan(64 + (int)offset + (i * SglDescriptor.Size)));
        }

        return capsule;
    }

    /// <summary>A one-block write announcing 4096 bytes of in-capsule data and carrying 512.</summary>
    private static byte[] ShortInCapsuleWrite(ushort cid)
    {
        var capsule = new byte[64 + 512];
        new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = cid, Nsid = 1, Slba = 0, Nlb = 0, Dptr = SglDescriptor.InCapsule(0, BlockBytes) }
            .ToCommand().Encode(capsule);
        return capsule;
    }

    private static NvmeCompletion Answer(TargetBed bed, RawHost host, int postRc, ushort cid)
    {
        Assert.Equal(0, postRc);
        bed.RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(cid); }, $"the answer to CID {cid}");
        return host.Responses[cid];
    }

    private static InvariantViolationException SendExpectingViolation(TargetBed bed, RawHost host, byte[] capsule)
    {
        Assert.Equal(0, host.SendCapsule(1, capsule));
        return Assert.Throws<InvariantViolationException>(() => bed.RunFor(1_000_000_000));
    }

    private static byte[] ReadBack(TargetBed bed, RawHost host, int blocks)
    {
        host.Slot(2, blocks * BlockBytes).Clear();
        var read = new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = 2, Nsid = 1, Slba = 0, Nlb = (ushort)(blocks - 1), Dptr = host.Keyed(2, (uint)(blocks * BlockBytes)) };
        Assert.True(Answer(bed, host, host.Submit(read.ToCommand()), 2).Status.IsSuccess, "read back failed");
        return host.Slot(2, blocks * BlockBytes).ToArray();
    }

    private static void WellFormedWriteStillWorks(TargetBed bed, RawHost host)
    {
        host.Slot(3, BlockBytes).Fill(0xC3);
        var write = new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = 3, Nsid = 1, Slba = 7, Nlb = 0, Dptr = host.Keyed(3, BlockBytes) };
        Assert.True(Answer(bed, host, host.Submit(write.ToCommand()), 3).Status.IsSuccess, "a well-formed write failed after the malformed capsule");
    }
}
