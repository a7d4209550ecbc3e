namespace Harness.Transport.Nvme;

/// <summary>
/// Typed view of the Fabrics Property Set command (opcode 0x7F, FCTYPE 0x00): ATTRIB at byte 40 (size in bits 2:0),
/// OFST u32 at byte 44, VALUE u64 at byte 48 (only the low 4 bytes count for a 4-byte property).
/// </summary>
public readonly record struct PropertySetCommand
{
    /// <summary>Command identifier.</summary>
    public ushort Cid { get; init; }

    /// <summary>Property size.</summary>
    public PropertySize Size { get; init; }

    /// <summary>Property offset (see <see cref="NvmeProperty"/>).</summary>
    public uint Offset { get; init; }

    /// <summary>Value to write.</summary>
    public ulong Value { get; init; }

    /// <summary>4 or 8.</summary>
    public int SizeInBytes => Size == PropertySize.EightBytes ? 8 : 4;

    /// <summary>The submission queue entry.</summary>
    public NvmeCommand ToCommand()
    {
        var cmd = NvmeCommand.CreateFabrics(FabricsCommandType.PropertySet, Cid);
        cmd.Cdw10 = (uint)Size & 0x7;
        cmd.Cdw11 = Offset;
        cmd.Cdw12 = (uint)Value;
        cmd.Cdw13 = (uint)(Value >> 32);
        return cmd;
    }

    /// <summary>Writes the 64-byte submission queue entry.</summary>
    public void Encode(Span<byte> sqe) => ToCommand().Encode(sqe);

    /// <summary>
    /// Reads the view. Not a Fabrics Property Set: <see cref="NvmeStatus.InvalidOpcode"/>; a size other than 4/8
    /// bytes: <see cref="NvmeStatus.ConnectInvalidParameters"/> (SCT 1, SC 0x82, SPDK's answer).
    /// </summary>
    public static NvmeStatus TryFrom(in NvmeCommand cmd, out PropertySetCommand view)
    {
        var size = (byte)(cmd.Cdw10 & 0x7);
        view = new PropertySetCommand
        {
            Cid = cmd.Cid,
            Size = (PropertySize)size,
            Offset = cmd.Cdw11,
            Value = cmd.Cdw12 | ((ulong)cmd.Cdw13 << 32),
        };
        var status = cmd.ExpectFabrics(FabricsCommandType.PropertySet);
        if (status.IsError)
        {
            return status;
        }

        return size > (byte)PropertySize.EightBytes ? NvmeStatus.ConnectInvalidParameters : NvmeStatus.Success;
    }

    /// <summary>Decodes a submission queue entry and reads the view.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> sqe, out PropertySetCommand view)
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
