namespace Harness.Transport.Nvme;

/// <summary>
/// Typed view of an NVM Read (0x02) or Write (0x01): SLBA in CDW10 (low) / CDW11 (high); CDW12 bits 15:0 NLB
/// (0's based), bits 29:26 PRINFO, bit 30 FUA, bit 31 LR; CDW13 bits 7:0 DSM.
/// </summary>
public readonly record struct ReadWriteCommand
{
    /// <summary>Read or Write.</summary>
    public NvmeIoOpcode Opcode { get; init; }

    /// <summary>Command identifier.</summary>
    public ushort Cid { get; init; }

    /// <summary>Namespace identifier.</summary>
    public uint Nsid { get; init; }

    /// <summary>Data pointer (keyed SGL, in-capsule data block or in-capsule descriptor list).</summary>
    public SglDescriptor Dptr { get; init; }

    /// <summary>Starting LBA.</summary>
    public ulong Slba { get; init; }

    /// <summary>Number of logical blocks, 0's based (0 = one block).</summary>
    public ushort Nlb { get; init; }

    /// <summary>Force Unit Access (CDW12 bit 30).</summary>
    public bool ForceUnitAccess { get; init; }

    /// <summary>Limited Retry (CDW12 bit 31).</summary>
    public bool LimitedRetry { get; init; }

    /// <summary>Protection Information field (PRACT and PRCHK, CDW12 bits 29:26); 4 bits.</summary>
    public byte ProtectionInfo { get; init; }

    /// <summary>Dataset Management hints (CDW13 bits 7:0).</summary>
    public byte DatasetManagement { get; init; }

    /// <summary>Number of blocks (NLB + 1).</summary>
    public int BlockCount => Nlb + 1;

    /// <summary>Bytes transferred for a block size.</summary>
    public ulong DataLength(uint blockSize) => (ulong)BlockCount * blockSize;

    /// <summary>The submission queue entry.</summary>
    public NvmeCommand ToCommand()
    {
        var cmd = NvmeCommand.Create((byte)Opcode, Cid, Nsid);
        cmd.Dptr = Dptr;
        cmd.Cdw10 = (uint)Slba;
        cmd.Cdw11 = (uint)(Slba >> 32);
        cmd.Cdw12 = Nlb | ((uint)(ProtectionInfo & 0xF) << 26) | (ForceUnitAccess ? 1u << 30 : 0) | (LimitedRetry ? 1u << 31 : 0);
        cmd.Cdw13 = DatasetManagement;
        return cmd;
    }

    /// <summary>Writes the 64-byte submission queue entry.</summary>
    public void Encode(Span<byte> sqe) => ToCommand().Encode(sqe);

    /// <summary>Reads the view; an opcode other than Read/Write gives <see cref="NvmeStatus.InvalidOpcode"/>.</summary>
    public static NvmeStatus TryFrom(in NvmeCommand cmd, out ReadWriteCommand view)
    {
        view = new ReadWriteCommand
        {
            Opcode = (NvmeIoOpcode)cmd.Opcode,
            Cid = cmd.Cid,
            Nsid = cmd.Nsid,
            Dptr = cmd.Dptr,
            Slba = cmd.Cdw10 | ((ulong)cmd.Cdw11 << 32),
            Nlb = (ushort)cmd.Cdw12,
            ProtectionInfo = (byte)((cmd.Cdw12 >> 26) & 0xF),
            ForceUnitAccess = (cmd.Cdw12 & (1u << 30)) != 0,
            LimitedRetry = (cmd.Cdw12 & (1u << 31)) != 0,
            DatasetManagement = (byte)cmd.Cdw13,
        };
        return cmd.Opcode == (byte)NvmeIoOpcode.Read || cmd.Opcode == (byte)NvmeIoOpcode.Write
            ? NvmeStatus.Success
            : NvmeStatus.InvalidOpcode;
    }

    /// <summary>Decodes a submission queue entry and reads the view.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> sqe, out ReadWriteCommand view)
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
