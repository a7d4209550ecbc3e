using FsCheck.Xunit;
using Harness.Tests.Properties.Support;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Nvme;

/// <summary>Every typed command view survives view → 64 bytes → view, and rejects the other views' opcodes.</summary>
[HarnessProperties(Arbitrary = new[] { typeof(NvmeArbitraries) }, MaxTest = 200)]
public sealed class CommandViewRoundTripProperties
{
    [HarnessProperty]
    public void Read_write_round_trips(ReadWriteCommand view) =>
        Check(view, (in ReadWriteCommand v, Span<byte> d) => v.Encode(d), ReadWriteCommand.TryDecode);

    [HarnessProperty]
    public void Flush_round_trips(FlushCommand view) =>
        Check(view, (in FlushCommand v, Span<byte> d) => v.Encode(d), FlushCommand.TryDecode);

    [HarnessProperty]
    public void Write_zeroes_round_trips(WriteZeroesCommand view) =>
        Check(view, (in WriteZeroesCommand v, Span<byte> d) => v.Encode(d), WriteZeroesCommand.TryDecode);

    [HarnessProperty]
    public void Dataset_management_round_trips(DatasetManagementCommand view) =>
        Check(view, (in DatasetManagementCommand v, Span<byte> d) => v.Encode(d), DatasetManagementCommand.TryDecode);

    [HarnessProperty]
    public void Identify_round_trips(IdentifyCommand view) =>
        Check(view, (in IdentifyCommand v, Span<byte> d) => v.Encode(d), IdentifyCommand.TryDecode);

    [HarnessProperty]
    public void Get_log_page_round_trips(GetLogPageCommand view) =>
        Check(view, (in GetLogPageCommand v, Span<byte> d) => v.Encode(d), GetLogPageCommand.TryDecode);

    [HarnessProperty]
    public void Set_and_get_features_round_trip(FeaturesCommand view) =>
        Check(view, (in FeaturesCommand v, Span<byte> d) => v.Encode(d), FeaturesCommand.TryDecode);

    [HarnessProperty]
    public void Keep_alive_round_trips(KeepAliveCommand view) =>
        Check(view, (in KeepAliveCommand v, Span<byte> d) => v.Encode(d), KeepAliveCommand.TryDecode);

    [HarnessProperty]
    public void Connect_round_trips(ConnectCommand view) =>
        Check(view, (in ConnectCommand v, Span<byte> d) => v.Encode(d), ConnectCommand.TryDecode);

    [HarnessProperty]
    public void Property_get_round_trips(PropertyGetCommand view) =>
        Check(view, (in PropertyGetCommand v, Span<byte> d) => v.Encode(d), PropertyGetCommand.TryDecode);

    [HarnessProperty]
    public void Property_set_round_trips(PropertySetCommand view) =>
        Check(view, (in PropertySetCommand v, Span<byte> d) => v.Encode(d), PropertySetCommand.TryDecode);

    [HarnessProperty]
    public void Every_view_sends_psdt_sgl(ReadWriteCommand rw, ConnectCommand connect, KeepAliveCommand keepAlive)
    {
        Assert.Equal(DataPointerType.SglMptrContiguous, rw.ToCommand().Psdt);
        Assert.Equal(DataPointerType.SglMptrContiguous, connect.ToCommand().Psdt);
        Assert.Equal(DataPointerType.SglMptrContiguous, keepAlive.ToCommand().Psdt);
        Assert.Equal(FusedOperation.None, rw.ToCommand().Fuse);
    }

    [HarnessProperty]
    public void A_view_rejects_another_commands_opcode(KeepAliveCommand keepAlive, FlushCommand flush, ConnectCommand connect)
    {
        Assert.Equal(NvmeStatus.InvalidOpcode, ReadWriteCommand.TryFrom(keepAlive.ToCommand(), out _));
        Assert.Equal(NvmeStatus.InvalidOpcode, KeepAliveCommand.TryFrom(flush.ToCommand(), out _));
        Assert.Equal(NvmeStatus.InvalidOpcode, PropertyGetCommand.TryFrom(connect.ToCommand(), out _));
        Assert.Equal(NvmeStatus.InvalidOpcode, ConnectCommand.TryFrom(flush.ToCommand(), out _));
        Assert.Equal(NvmeStatus.InvalidOpcode, FeaturesCommand.TryFrom(keepAlive.ToCommand(), out _));
    }

    [HarnessProperty]
    public void Data_direction_follows_opcode_and_sgl_length(ReadWriteCommand rw, ConnectCommand connect, PropertyGetCommand get)
    {
        var expected = rw.Dptr.Length == 0
            ? NvmeDataTransfer.None
            : rw.Opcode == NvmeIoOpcode.Write ? NvmeDataTransfer.HostToController : NvmeDataTransfer.ControllerToHost;
        Assert.Equal(expected, rw.ToCommand().GetDataTransfer());
        Assert.Equal(connect.Dptr.Length == 0 ? NvmeDataTransfer.None : NvmeDataTransfer.HostToController, connect.ToCommand().GetDataTransfer());
        Assert.Equal(NvmeDataTransfer.None, get.ToCommand().GetDataTransfer());
    }

    private static void Check<T>(T view, RoundTrip.Encoder<T> encode, RoundTrip.Decoder<T, NvmeStatus> decode)
    {
        var (status, decoded, _) = RoundTrip.Run(view, NvmeCommand.Size, encode, decode);
        Assert.Equal(NvmeStatus.Success, status);
        Assert.Equal(view, decoded);
    }
}
