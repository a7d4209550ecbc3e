namespace Harness.Transport.Nvme;

/// <summary>
/// Typed view of a Get Log Page (admin 0x02): CDW10 bits 7:0 LID, bits 14:8 LSP, bit 15 RAE, bits 31:16 NUMDL;
/// CDW11 bits 15:0 NUMDU; CDW12/CDW13 the 64-bit log page offset in bytes. NUMD (NUMDU:NUMDL) is a 0's based
/// dword count.
/// </summary>
public readonly record struct GetLogPageCommand
{
    /// <summary>Command identifier.</summary>
    public ushort Cid { get; init; }

    /// <summary>Namespace identifier (0xFFFFFFFF for controller-wide pages).</summary>
    public uint Nsid { get; init; }

    /// <summary>Data pointer to the host buffer.</summary>
    public SglDescriptor Dptr { get; init; }

    /// <summary>Log Page Identifier (see <see cref="LogPageId"/>).</summary>
    public byte LogPageId { get; init; }

    /// <summary>Log Specific Field (7 bits).</summary>
    public byte Lsp { get; init; }

    /// <summary>Retain Asynchronous Event.</summary>
    public bool Rae { get; init; }

    /// <summary>Number of dwords to return, 0's based (NUMDU:NUMDL).</summary>
    public uint Numd { get; init; }

    /// <summary>Log page offset in bytes (CDW12 low, CDW13 high).</summary>
    public ulong Offset { get; init; }

    /// <summary>Bytes requested: (NUMD + 1) × 4.</summary>
    public ulong ByteCount => ((ulong)Numd + 1) * 4;

    /// <summary>The submission queue entry.</summary>
    public NvmeCommand ToCommand()
    {
        var cmd = NvmeCommand.Create((byte)NvmeAdminOpcode.GetLogPage, Cid, Nsid);
        cmd.Dptr = Dptr;
        cmd.Cdw10 = LogPageId | ((uint)(Lsp & 0x7F) << 8) | (Rae ? 1u << 15 : 0) | ((Numd & 0xFFFF) << 16);
        cmd.Cdw11 = Numd >> 16;
        cmd.Cdw12 = (uint)Offset;
        cmd.Cdw13 = (uint)(Offset >> 32);
        return cmd;
    }

    /// <summary>Writes the 64-byte submission queue entry.</summary>
    public void Encode(Span<byte> sqe) => ToCommand().Encode(sqe);

    /// <summary>Reads the view; another opcode gives <see cref="NvmeStatus.InvalidOpcode"/>.</summary>
    public static NvmeStatus TryFrom(in NvmeCommand cmd, out GetLogPageCommand view)
    {
        view = new GetLogPageCommand
        {
            Cid = cmd.Cid,
            Nsid = cmd.Nsid,
            Dptr = cmd.Dptr,
            LogPageId = (byte)cmd.Cdw10,
            Lsp = (byte)((cmd.Cdw10 >> 8) & 0x7F),
            Rae = (cmd.Cdw10 & (1u << 15)) != 0,
            Numd = (cmd.Cdw10 >> 16) | ((cmd.Cdw11 & 0xFFFF) << 16),
            Offset = cmd.Cdw12 | ((ulong)cmd.Cdw13 << 32),
        };
        return cmd.Expect((byte)NvmeAdminOpcode.GetLogPage);
    }

    /// <summary>Decodes a submission queue entry and reads the view.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> sqe, out GetLogPageCommand view)
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
