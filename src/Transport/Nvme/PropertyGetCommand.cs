namespace Harness.Transport.Nvme;

/// <summary>
/// Typed view of the Fabrics Property Get command (opcode 0x7F, FCTYPE 0x04): ATTRIB at byte 40 (size in bits 2:0),
/// OFST u32 at byte 44. The value comes back in completion DW0 (and DW1 for 8 bytes), see <see cref="NvmeCompletion.Value64"/>.
/// </summary>
public readonly record struct PropertyGetCommand
{
    /// <summary>Command identifier.</summary>
    public ushort Cid { get; init; }

    /// <summary>Property size.</summary>
    public PropertySize Size { get; init; }

    /// <summary>Property offset (see <see cref="NvmeProperty"/>).</summary>
    public uint Offset { get; init; }

    /// <summary>4 or 8.</summary>
    public int SizeInBytes => Size == PropertySize.EightBytes ? 8 : 4;

    /// <summary>The submission queue entry.</summary>
    public NvmeCommand ToCommand()
    {
        var cmd = NvmeCommand.CreateFabrics(FabricsCommandType.PropertyGet, Cid);
        cmd.Cdw10 = (uint)Size & 0x7;
        cmd.Cdw11 = Offset;
        return cmd;
    }

    /// <summary>Writes the 64-byte submission queue entry.</summary>
    public void Encode(Span<byte> sqe) => ToCommand().Encode(sqe);

    /// <summary>
    /// Reads the view. Not a Fabrics Property Get: <see cref="NvmeStatus.InvalidOpcode"/>; a size other than 4/8
    /// bytes: <see cref="NvmeStatus.ConnectInvalidParameters"/> (SCT 1, SC 0x82, SPDK's answer).
    /// </summary>
    public static NvmeStatus TryFrom(in NvmeCommand cmd, out PropertyGetCommand view)
    {
        var size = (byte)(cmd.Cdw10 & 0x7);
        view = new PropertyGetCommand { Cid = cmd.Cid, Size = (PropertySize)size, Offset = cmd.Cdw11 };
        var status = cmd.ExpectFabrics(FabricsCommandType.PropertyGet);
        if (status.IsError)
        {
            return status;
        }

        return size > (byte)PropertySize.EightBytes ? NvmeStatus.ConnectInvalidParameters : NvmeStatus.Success;
    }

    /// <summary>Decodes a submission queue entry and reads the view.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> sqe, out PropertyGetCommand view)
    {
        var status = NvmeCommand.TryDecode(sqe, out var cmd);
        if (status.IsError)
        {
            view = default;
            return status;
        }

        return TryFrom(cmd, out view);
    }
}
