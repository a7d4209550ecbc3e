namespace Harness.Transport.Nvme;

/// <summary>
/// Typed view of the Fabrics Connect command (opcode 0x7F, FCTYPE 0x01), as SPDK's
/// <c>struct spdk_nvmf_fabric_connect_cmd</c>: SGL1 at byte 24 (the 1024-byte <see cref="ConnectData"/>),
/// RECFMT u16 at 40, QID u16 at 42, SQSIZE u16 at 44 (0's based), CATTR u8 at 46, KATO u32 at 48 (milliseconds).
/// </summary>
public readonly record struct ConnectCommand
{
    /// <summary>Byte offset of RECFMT (an IPO value for a Connect Invalid Parameters response).</summary>
    public const ushort RecfmtOffset = 40;

    /// <summary>Byte offset of QID.</summary>
    public const ushort QidOffset = 42;

    /// <summary>Byte offset of SQSIZE.</summary>
    public const ushort SqsizeOffset = 44;

    /// <summary>Byte offset of CATTR.</summary>
    public const ushort CattrOffset = 46;

    /// <summary>Byte offset of KATO.</summary>
    public const ushort KatoOffset = 48;

    /// <summary>Command identifier.</summary>
    public ushort Cid { get; init; }

    /// <summary>Data pointer to the 1024-byte Connect data (keyed SGL or in-capsule data).</summary>
    public SglDescriptor Dptr { get; init; }

    /// <summary>Record format; only 0 is defined.</summary>
    public ushort Recfmt { get; init; }

    /// <summary>Queue ID: 0 for the admin queue.</summary>
    public ushort Qid { get; init; }

    /// <summary>Submission queue size, 0's based (at least 1).</summary>
    public ushort Sqsize { get; init; }

    /// <summary>Connect attributes (priority class, SQ flow control disable, ...).</summary>
    public byte Cattr { get; init; }

    /// <summary>Keep alive timeout in milliseconds (admin queue only; 0 = disabled).</summary>
    public uint Kato { get; init; }

    /// <summary>The submission queue entry.</summary>
    public NvmeCommand ToCommand()
    {
        var cmd = NvmeCommand.CreateFabrics(FabricsCommandType.Connect, Cid);
        cmd.Dptr = Dptr;
        cmd.Cdw10 = Recfmt | ((uint)Qid << 16);
        cmd.Cdw11 = Sqsize | ((uint)Cattr << 16);
        cmd.Cdw12 = Kato;
        return cmd;
    }

    /// <summary>Writes the 64-byte submission queue entry.</summary>
    public void Encode(Span<byte> sqe) => ToCommand().Encode(sqe);

    /// <summary>
    /// Reads the view. Not a Fabrics Connect: <see cref="NvmeStatus.InvalidOpcode"/>; RECFMT not 0:
    /// <see cref="NvmeStatus.ConnectIncompatibleFormat"/> (as SPDK's target); <paramref name="view"/> is filled either way.
    /// </summary>
    public static NvmeStatus TryFrom(in NvmeCommand cmd, out ConnectCommand view)
    {
        view = new ConnectCommand
        {
            Cid = cmd.Cid,
            Dptr = cmd.Dptr,
            Recfmt = (ushort)cmd.Cdw10,
            Qid = (ushort)(cmd.Cdw10 >> 16),
            Sqsize = (ushort)cmd.Cdw11,
            Cattr = (byte)(cmd.Cdw11 >> 16),
            Kato = cmd.Cdw12,
        };
        var status = cmd.ExpectFabrics(FabricsCommandType.Connect);
        if (status.IsError)
        {
            return status;
        }

        return view.Recfmt != 0 ? NvmeStatus.ConnectIncompatibleFormat : NvmeStatus.Success;
    }

    /// <summary>Decodes a submission queue entry and reads the view.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> sqe, out ConnectCommand view)
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
