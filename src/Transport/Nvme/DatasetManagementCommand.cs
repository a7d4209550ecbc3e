namespace Harness.Transport.Nvme;

/// <summary>
/// Typed view of an NVM Dataset Management (0x09): CDW10 bits 7:0 NR (number of 16-byte ranges, 0's based);
/// CDW11 bit 0 IDR, bit 1 IDW, bit 2 AD. The ranges (<see cref="DsmRange"/>) are the command's host-to-controller data.
/// </summary>
public readonly record struct DatasetManagementCommand
{
    /// <summary>Command identifier.</summary>
    public ushort Cid { get; init; }

    /// <summary>Namespace identifier.</summary>
    public uint Nsid { get; init; }

    /// <summary>Data pointer to the range list.</summary>
    public SglDescriptor Dptr { get; init; }

    /// <summary>Number of ranges, 0's based (0 = one range, 255 = 256 ranges).</summary>
    public byte Nr { get; init; }

    /// <summary>Attributes (CDW11 bits 2:0).</summary>
    public DsmAttributes Attributes { get; init; }

    /// <summary>Number of ranges (NR + 1).</summary>
    public int RangeCount => Nr + 1;

    /// <summary>Bytes of range list the command carries (16 per range).</summary>
    public int DataLength => RangeCount * DsmRange.Size;

    /// <summary>The submission queue entry.</summary>
    public NvmeCommand ToCommand()
    {
        var cmd = NvmeCommand.Create((byte)NvmeIoOpcode.DatasetManagement, Cid, Nsid);
        cmd.Dptr = Dptr;
        cmd.Cdw10 = Nr;
        cmd.Cdw11 = (uint)Attributes & 0x7;
        return cmd;
    }

    /// <summary>Writes the 64-byte submission queue entry.</summary>
    public void Encode(Span<byte> sqe) => ToCommand().Encode(sqe);

    /// <summary>Reads the view; another opcode gives <see cref="NvmeStatus.InvalidOpcode"/>.</summary>
    public static NvmeStatus TryFrom(in NvmeCommand cmd, out DatasetManagementCommand view)
    {
        view = new DatasetManagementCommand
        {
            Cid = cmd.Cid,
            Nsid = cmd.Nsid,
            Dptr = cmd.Dptr,
            Nr = (byte)cmd.Cdw10,
            Attributes = (DsmAttributes)(cmd.Cdw11 & 0x7),
        };
        return cmd.Expect((byte)NvmeIoOpcode.DatasetManagement);
    }

    /// <summary>Decodes a submission queue entry and reads the view.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> sqe, out DatasetManagementCommand view)
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
