using FsCheck.Xunit;
using Harness.Tests.Properties.Support;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Nvme;

/// <summary>
/// Every decoder is total: for any bytes of any length it returns a status (never throws, never reads out of
/// range), and short input gets the documented status.
/// </summary>
[HarnessProperties(Arbitrary = new[] { typeof(NvmeArbitraries) }, MaxTest = 300)]
public sealed class TotalityProperties
{
    [HarnessProperty]
    public void Sqe_and_view_decoders_are_total(Garbage garbage)
    {
        var bytes = garbage.Bytes;
        var expectShort = bytes.Length < NvmeCommand.Size ? NvmeStatus.InvalidField : (NvmeStatus?)null;
        Expect(expectShort, NvmeCommand.TryDecode(bytes, out _));
        Expect(expectShort, ReadWriteCommand.TryDecode(bytes, out _));
        Expect(expectShort, FlushCommand.TryDecode(bytes, out _));
        Expect(expectShort, WriteZeroesCommand.TryDecode(bytes, out _));
        Expect(expectShort, DatasetManagementCommand.TryDecode(bytes, out _));
        Expect(expectShort, IdentifyCommand.TryDecode(bytes, out _));
        Expect(expectShort, GetLogPageCommand.TryDecode(bytes, out _));
        Expect(expectShort, FeaturesCommand.TryDecode(bytes, out _));
        Expect(expectShort, KeepAliveCommand.TryDecode(bytes, out _));
        Expect(expectShort, ConnectCommand.TryDecode(bytes, out _));
        Expect(expectShort, PropertyGetCommand.TryDecode(bytes, out _));
        Expect(expectShort, PropertySetCommand.TryDecode(bytes, out _));
    }

    [HarnessProperty]
    public void Short_sqe_still_names_the_command(Garbage garbage)
    {
        var bytes = garbage.Bytes.AsSpan(0, Math.Min(garbage.Bytes.Length, NvmeCommand.Size - 1));
        Assert.Equal(NvmeStatus.InvalidField, NvmeCommand.TryDecode(bytes, out var cmd));
        if (bytes.Length >= 4)
        {
            Assert.Equal(bytes[0], cmd.Opcode);
            Assert.Equal((ushort)(bytes[2] | (bytes[3] << 8)), cmd.Cid);
        }
    }

    [HarnessProperty]
    public void Cqe_and_status_decoders_are_total(Garbage garbage)
    {
        var bytes = garbage.Bytes;
        Expect(bytes.Length < NvmeCompletion.Size ? NvmeStatus.InvalidField : NvmeStatus.Success, NvmeCompletion.TryDecode(bytes, out var cpl));
        _ = cpl.ToString();
        _ = cpl.ToString(NvmeCommand.FabricsOpcode);
    }

    [HarnessProperty]
    public void Sgl_decoders_are_total(Garbage garbage, uint inCapsuleDataSize)
    {
        var bytes = garbage.Bytes;
        var status = SglDescriptor.TryDecode(bytes, out var sgl);
        if (bytes.Length < SglDescriptor.Size)
        {
            Assert.Equal(NvmeStatus.InvalidSglSegDescriptor, status);
            return;
        }

        Assert.Equal(sgl.Validate(), status);
        _ = sgl.ToString();
        var icd = sgl.TryGetInCapsuleRange(inCapsuleDataSize, out var offset, out var length);
        if (icd.IsSuccess)
        {
            Assert.True((ulong)offset + length <= inCapsuleDataSize);
        }

        Span<SglDescriptor> list = stackalloc SglDescriptor[SglDescriptor.MaxInCapsuleDescriptors];
        var listStatus = SglDescriptor.TryDecodeList(bytes, sgl, list, out var count);
        Assert.True(listStatus.IsSuccess ? count >= 1 && count <= list.Length : count == 0);
    }

    [HarnessProperty]
    public void Descriptor_list_decoder_is_total_for_any_capsule(Garbage capsule, uint offset, byte count)
    {
        var lastSegment = SglDescriptor.Unkeyed(SglDescriptorType.LastSegment, SglDescriptorSubtype.Offset, offset % 256, (uint)count);
        Span<SglDescriptor> list = stackalloc SglDescriptor[SglDescriptor.MaxInCapsuleDescriptors];
        var status = SglDescriptor.TryDecodeList(capsule.Bytes, lastSegment, list, out var decoded);
        if (status.IsSuccess)
        {
            Assert.All(list[..decoded].ToArray(), d => Assert.True(d.IsKeyedDataBlock));
        }
    }

    [HarnessProperty]
    public void Data_structure_decoders_are_total(Garbage garbage)
    {
        var bytes = garbage.Bytes;
        Expect(bytes.Length < ConnectData.Size ? NvmeStatus.InvalidField : null, ConnectData.TryDecode(bytes, out _));
        Expect(bytes.Length < IdentifyControllerData.Size ? NvmeStatus.InvalidField : null, IdentifyControllerData.TryDecode(bytes, out _));
        Expect(bytes.Length < IdentifyNamespaceData.Size ? NvmeStatus.InvalidField : null, IdentifyNamespaceData.TryDecode(bytes, out _));
        Expect(bytes.Length < ErrorInformationLogEntry.Size ? NvmeStatus.InvalidField : NvmeStatus.Success, ErrorInformationLogEntry.TryDecode(bytes, out _));
        Expect(bytes.Length < DsmRange.Size ? NvmeStatus.InvalidField : NvmeStatus.Success, DsmRange.TryDecode(bytes, out _));
        var ranges = new DsmRange[16];
        _ = DsmRange.TryDecodeList(bytes, 1 + (bytes.Length % 20), ranges);
    }

    [HarnessProperty]
    public void Big_data_structure_decoders_are_total_on_full_size_garbage(Garbage seed)
    {
        var bytes = new byte[IdentifyControllerData.Size];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = seed.Bytes.Length == 0 ? (byte)i : seed.Bytes[i % seed.Bytes.Length];
        }

        Assert.Equal(NvmeStatus.Success, IdentifyControllerData.TryDecode(bytes, out var ctrlr));
        _ = ctrlr.SerialNumber.ToString();
        _ = ctrlr.SubNqn.ToString();
        var ns = IdentifyNamespaceData.TryDecode(bytes, out _);
        Assert.True(ns.IsSuccess || ns == NvmeStatus.InvalidField);
        var connect = ConnectData.TryDecode(bytes, out var data, out var invalidOffset);
        Assert.True(connect.IsSuccess || (connect == NvmeStatus.ConnectInvalidParameters && invalidOffset is ConnectData.SubNqnOffset or ConnectData.HostNqnOffset));
        _ = data.HostNqn.ToString();
    }

    [HarnessProperty]
    public void Cm_private_data_decoders_are_total(Garbage garbage)
    {
        var bytes = garbage.Bytes;
        var recfmtNonZero = bytes.Length >= 2 && (bytes[0] | bytes[1]) != 0;
        Assert.Equal(CmExpected(bytes.Length, RdmaCmRequest.Size, recfmtNonZero), RdmaCmRequest.TryDecode(bytes, out _));
        Assert.Equal(CmExpected(bytes.Length, RdmaCmAccept.Size, recfmtNonZero), RdmaCmAccept.TryDecode(bytes, out _));
        Assert.Equal(CmExpected(bytes.Length, RdmaCmReject.Size, recfmtNonZero), RdmaCmReject.TryDecode(bytes, out _));
    }

    [HarnessProperty]
    public void Status_text_is_total(ushort field, byte opcode)
    {
        var status = NvmeStatus.FromStatusField(field);
        Assert.False(string.IsNullOrEmpty(status.ToString(opcode)));
    }

    private static RdmaTransportError CmExpected(int length, int size, bool recfmtNonZero) =>
        length < size ? RdmaTransportError.InvalidPrivateDataLength
        : recfmtNonZero ? RdmaTransportError.InvalidRecfmt
        : RdmaTransportError.None;

    private static void Expect(NvmeStatus? expected, NvmeStatus actual)
    {
        if (expected is { } status)
        {
            Assert.Equal(status, actual);
        }
    }
}
