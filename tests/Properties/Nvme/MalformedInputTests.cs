using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Nvme;

/// <summary>Each kind of malformed input gets its documented NVMe status (or RDMA transport error), never an exception.</summary>
public sealed class MalformedInputTests
{
    [Theory]
    [InlineData(0x1000000UL)]
    [InlineData(0x1234567UL)]
    [InlineData(ulong.MaxValue)]
    public void Keyed_length_that_needs_more_than_3_bytes_is_data_sgl_length_invalid(ulong length)
    {
        Assert.Equal(NvmeStatus.DataSglLengthInvalid, SglDescriptor.TryCreateKeyed(0x1000, length, 7, false, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => SglDescriptor.Keyed(0x1000, (uint)Math.Min(length, uint.MaxValue), 7));
        Assert.Equal(NvmeStatus.Success, SglDescriptor.TryCreateKeyed(0x1000, SglDescriptor.MaxKeyedLength, 7, false, out var max));
        Assert.Equal(SglDescriptor.MaxKeyedLength, max.Length);
    }

    [Theory]
    [InlineData(0x1, 0x0)] // bit bucket
    [InlineData(0x5, 0xA)] // transport data block
    [InlineData(0x6, 0x0)] // reserved
    [InlineData(0xE, 0x1)] // reserved
    [InlineData(0xF, 0x0)] // vendor specific
    [InlineData(0x4, 0x1)] // keyed data block, subtype Offset
    [InlineData(0x4, 0x7)] // keyed data block, reserved subtype
    [InlineData(0x0, 0xF)] // data block, subtype Invalidate Key (keyed only)
    [InlineData(0x3, 0xA)] // last segment, transport subtype
    public void Unknown_sgl_type_or_subtype_is_sgl_descriptor_type_invalid(int type, int subtype)
    {
        var wire = new byte[SglDescriptor.Size];
        wire[8] = 0x10;
        wire[15] = (byte)((type << 4) | subtype);
        Assert.Equal(NvmeStatus.SglDescriptorTypeInvalid, SglDescriptor.TryDecode(wire, out var sgl));
        Assert.Equal((SglDescriptorType)type, sgl.Type);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(33)]
    public void Segment_length_not_a_positive_multiple_of_16_is_invalid_sgl_segment_descriptor(int value)
    {
        var length = (uint)value;
        var last = SglDescriptor.Unkeyed(SglDescriptorType.LastSegment, SglDescriptorSubtype.Offset, 0, length);
        var segment = SglDescriptor.Unkeyed(SglDescriptorType.Segment, SglDescriptorSubtype.Address, 0x1000, length);
        Assert.Equal(NvmeStatus.InvalidSglSegDescriptor, last.Validate());
        Assert.Equal(NvmeStatus.InvalidSglSegDescriptor, segment.Validate());
        Span<SglDescriptor> list = stackalloc SglDescriptor[16];
        Assert.Equal(NvmeStatus.InvalidSglSegDescriptor, SglDescriptor.TryDecodeList(new byte[4096], last, list, out _));
    }

    [Fact]
    public void Sgl_shorter_than_16_bytes_is_invalid_sgl_segment_descriptor()
    {
        Assert.Equal(NvmeStatus.InvalidSglSegDescriptor, SglDescriptor.TryDecode(new byte[15], out _));
    }

    [Fact]
    public void In_capsule_range_is_checked_like_spdk_parse_icd()
    {
        Assert.Equal(NvmeStatus.Success, SglDescriptor.InCapsule(0, 4096).TryGetInCapsuleRange(4096, out var offset, out var length));
        Assert.Equal((0u, 4096u), (offset, length));
        Assert.Equal(NvmeStatus.Success, SglDescriptor.InCapsule(4096, 0).TryGetInCapsuleRange(4096, out _, out _));
        Assert.Equal(NvmeStatus.InvalidSglOffset, SglDescriptor.InCapsule(4097, 0).TryGetInCapsuleRange(4096, out _, out _));
        Assert.Equal(NvmeStatus.DataSglLengthInvalid, SglDescriptor.InCapsule(16, 4081).TryGetInCapsuleRange(4096, out _, out _));
        Assert.Equal(NvmeStatus.SglDescriptorTypeInvalid, SglDescriptor.Keyed(0, 16, 1).TryGetInCapsuleRange(4096, out _, out _));
        var huge = new SglDescriptor(ulong.MaxValue, SglDescriptor.InCapsule(0, 16).RawUpper);
        Assert.Equal(NvmeStatus.InvalidSglOffset, huge.TryGetInCapsuleRange(4096, out _, out _));
    }

    [Fact]
    public void In_capsule_descriptor_list_errors()
    {
        var icd = new byte[256];
        for (var i = 0; i < 4; i++)
        {
            SglDescriptor.Keyed(0x1000 * (ulong)i, 512, 9).Encode(icd.AsSpan(i * 16));
        }

        Span<SglDescriptor> list = stackalloc SglDescriptor[SglDescriptor.MaxInCapsuleDescriptors];
        Assert.Equal(NvmeStatus.Success, SglDescriptor.TryDecodeList(icd, SglDescriptor.LastSegmentInCapsule(0, 4), list, out var count));
        Assert.Equal(4, count);
        Assert.Equal(NvmeStatus.InvalidNumSglDescriptors, SglDescriptor.TryDecodeList(icd, SglDescriptor.LastSegmentInCapsule(0, 4), list[..3], out _));
        Assert.Equal(NvmeStatus.InvalidNumSglDescriptors, SglDescriptor.TryDecodeList(new byte[4096], SglDescriptor.LastSegmentInCapsule(0, 17), list, out _));
        Assert.Equal(NvmeStatus.InvalidSglOffset, SglDescriptor.TryDecodeList(icd, SglDescriptor.LastSegmentInCapsule(257, 1), list, out _));
        Assert.Equal(NvmeStatus.DataSglLengthInvalid, SglDescriptor.TryDecodeList(icd, SglDescriptor.LastSegmentInCapsule(250, 1), list, out _));
        Assert.Equal(NvmeStatus.SglDescriptorTypeInvalid, SglDescriptor.TryDecodeList(icd, SglDescriptor.InCapsule(0, 64), list, out _));

        SglDescriptor.InCapsule(0, 16).Encode(icd.AsSpan(16));
        Assert.Equal(NvmeStatus.SglDescriptorTypeInvalid, SglDescriptor.TryDecodeList(icd, SglDescriptor.LastSegmentInCapsule(0, 4), list, out _));
        SglDescriptor.LastSegmentInCapsule(0, 1).Encode(icd.AsSpan(16));
        Assert.Equal(NvmeStatus.InvalidSglSegDescriptor, SglDescriptor.TryDecodeList(icd, SglDescriptor.LastSegmentInCapsule(0, 4), list, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(31)]
    public void Short_cm_request_private_data_is_invalid_private_data_length(int length)
    {
        Assert.Equal(RdmaTransportError.InvalidPrivateDataLength, RdmaCmRequest.TryDecode(new byte[length], out _));
        Assert.Equal(RdmaTransportError.InvalidPrivateDataLength, RdmaCmAccept.TryDecode(new byte[length], out _));
    }

    [Fact]
    public void Short_cm_reject_private_data_is_invalid_private_data_length()
    {
        Assert.Equal(RdmaTransportError.InvalidPrivateDataLength, RdmaCmReject.TryDecode(new byte[3], out _));
    }

    [Fact]
    public void Recfmt_other_than_0_is_invalid_recfmt_and_the_fields_are_still_read()
    {
        var wire = new byte[32];
        new RdmaCmRequest { Recfmt = 1, Qid = 3, Hrqsize = 129, Hsqsize = 128, Cntlid = 5 }.Encode(wire);
        Assert.Equal(RdmaTransportError.InvalidRecfmt, RdmaCmRequest.TryDecode(wire, out var request));
        Assert.Equal(new RdmaCmRequest { Recfmt = 1, Qid = 3, Hrqsize = 129, Hsqsize = 128, Cntlid = 5 }, request);

        new RdmaCmAccept { Recfmt = 0x100, Crqsize = 32 }.Encode(wire);
        Assert.Equal(RdmaTransportError.InvalidRecfmt, RdmaCmAccept.TryDecode(wire, out _));
        new RdmaCmReject { Recfmt = 2, Status = RdmaTransportError.NoResources }.Encode(wire);
        Assert.Equal(RdmaTransportError.InvalidRecfmt, RdmaCmReject.TryDecode(wire, out var reject));
        Assert.Equal(RdmaTransportError.NoResources, reject.Status);
    }

    [Fact]
    public void Connect_with_recfmt_other_than_0_is_incompatible_format()
    {
        var cmd = new ConnectCommand { Cid = 9, Qid = 1, Sqsize = 31 }.ToCommand();
        cmd.Cdw10 |= 1;
        Assert.Equal(NvmeStatus.ConnectIncompatibleFormat, ConnectCommand.TryFrom(cmd, out var view));
        Assert.Equal("INCOMPATIBLE FORMAT (01/80)", NvmeStatus.ConnectIncompatibleFormat.ToString(NvmeCommand.FabricsOpcode));
        Assert.Equal(new ConnectCommand { Cid = 9, Recfmt = 1, Qid = 1, Sqsize = 31 }, view);
    }

    [Fact]
    public void Unknown_fabrics_command_type_is_invalid_opcode()
    {
        var cmd = new PropertyGetCommand { Cid = 1, Offset = NvmeProperty.Cap }.ToCommand();
        cmd.FabricsType = (FabricsCommandType)0x7;
        Assert.Equal(NvmeStatus.InvalidOpcode, PropertyGetCommand.TryFrom(cmd, out _));
        Assert.Equal(NvmeStatus.InvalidOpcode, PropertySetCommand.TryFrom(cmd, out _));
        Assert.Equal(NvmeStatus.InvalidOpcode, ConnectCommand.TryFrom(cmd, out _));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Property_size_other_than_4_or_8_is_invalid_parameter(int size)
    {
        var get = new PropertyGetCommand { Cid = 1, Offset = NvmeProperty.Cc }.ToCommand();
        get.Cdw10 = (uint)size;
        Assert.Equal(NvmeStatus.ConnectInvalidParameters, PropertyGetCommand.TryFrom(get, out _));
        var set = new PropertySetCommand { Cid = 1, Offset = NvmeProperty.Cc, Value = 1 }.ToCommand();
        set.Cdw10 = (uint)size;
        Assert.Equal(NvmeStatus.ConnectInvalidParameters, PropertySetCommand.TryFrom(set, out _));
    }

    [Fact]
    public void Get_features_with_reserved_select_is_invalid_field()
    {
        var cmd = FeaturesCommand.GetNumberOfQueues(4).ToCommand();
        cmd.Cdw10 |= 4u << 8;
        Assert.Equal(NvmeStatus.InvalidField, FeaturesCommand.TryFrom(cmd, out _));
    }

    [Fact]
    public void Number_of_queues_65535_is_invalid_field()
    {
        Assert.Equal(NvmeStatus.InvalidField, NumberOfQueues.TryFromRequest(0x0000_FFFF, out _));
        Assert.Equal(NvmeStatus.InvalidField, NumberOfQueues.TryFromRequest(0xFFFF_0000, out _));
        Assert.Equal(NvmeStatus.Success, NumberOfQueues.TryFromRequest(0x0003_0007, out var value));
        Assert.Equal(new NumberOfQueues(7, 3), value);
    }

    [Fact]
    public void Connect_data_with_an_unterminated_nqn_is_invalid_parameter_at_its_offset()
    {
        var wire = new byte[ConnectData.Size];
        new ConnectData { Cntlid = 0xFFFF, SubNqn = Nqn.FromString("nqn.2016-06.io.spdk:cnode1"), HostNqn = Nqn.FromString("nqn.host") }.Encode(wire);
        wire.AsSpan(ConnectData.HostNqnOffset, 224).Fill((byte)'a');
        Assert.Equal(NvmeStatus.ConnectInvalidParameters, ConnectData.TryDecode(wire, out _, out var offset));
        Assert.Equal(ConnectData.HostNqnOffset, offset);

        wire.AsSpan(ConnectData.SubNqnOffset, 256).Fill((byte)'b');
        Assert.Equal(NvmeStatus.ConnectInvalidParameters, ConnectData.TryDecode(wire, out _, out offset));
        Assert.Equal(ConnectData.SubNqnOffset, offset);

        Assert.Equal(NvmeStatus.InvalidField, ConnectData.TryDecode(new byte[1023], out _));
    }

    [Fact]
    public void Identify_namespace_with_a_format_index_beyond_nlbaf_is_invalid_field()
    {
        var wire = new byte[IdentifyNamespaceData.Size];
        Assert.Equal(NvmeStatus.Success, IdentifyNamespaceData.TryDecode(wire, out var inactive));
        Assert.Equal(0UL, inactive.Nsze);
        wire[25] = 1;
        wire[26] = 2;
        Assert.Equal(NvmeStatus.InvalidField, IdentifyNamespaceData.TryDecode(wire, out _));
        wire[25] = 64;
        wire[26] = 0;
        Assert.Equal(NvmeStatus.InvalidField, IdentifyNamespaceData.TryDecode(wire, out _));
    }

    [Fact]
    public void Encoders_refuse_short_buffers()
    {
        Assert.Throws<ArgumentException>(() => new NvmeCommand().Encode(new byte[63]));
        Assert.Throws<ArgumentException>(() => new NvmeCompletion().Encode(new byte[15]));
        Assert.Throws<ArgumentException>(() => default(SglDescriptor).Encode(new byte[15]));
        Assert.Throws<ArgumentException>(() => new RdmaCmRequest().Encode(new byte[31]));
        Assert.Throws<ArgumentException>(() => new ConnectData().Encode(new byte[1023]));
    }

    [Fact]
    public void Text_fields_refuse_what_does_not_fit()
    {
        Assert.Throws<ArgumentException>(() => NvmeText8.FromString("123456789"));
        Assert.Throws<ArgumentException>(() => NvmeText20.FromString("caf\u00e9"));
        Assert.Throws<ArgumentException>(() => Nqn.FromString(new string('n', 224)));
        Assert.Throws<ArgumentException>(() => Nqn.FromString("a\0b"));
        Assert.Equal(223, Nqn.FromString(new string('n', 223)).ToString().Length);
    }
}
