namespace Harness.Transport.Nvme;

/// <summary>
/// Typed view of an NVM Write Zeroes (0x08): SLBA in CDW10/CDW11; CDW12 bits 15:0 NLB (0's based), bit 25 DEAC,
/// bits 29:26 PRINFO, bit 30 FUA, bit 31 LR. No data transfer.
/// </summary>
public readonly record struct WriteZeroesCommand
{
    /// <summary>Command identifier.</summary>
    public ushort Cid { get; init; }

    /// <summary>Namespace identifier.</summary>
    public uint Nsid { get; init; }

    /// <summary>Starting LBA.</summary>
    public ulong Slba { get; init; }

    /// <summary>Number of logical blocks, 0's based.</summary>
    public ushort Nlb { get; init; }

    /// <summary>Deallocate (CDW12 bit 25).</summary>
    public bool Deallocate { get; init; }

    /// <summary>Force Unit Access (CDW12 bit 30).</summary>
    public bool ForceUnitAccess { get; init; }

    /// <summary>Limited Retry (CDW12 bit 31).</summary>
    public bool LimitedRetry { get; init; }

    /// <summary>Protection Information field (CDW12 bits 29:26); 4 bits.</summary>
    public byte ProtectionInfo { get; init; }

    /// <summary>Number of blocks (NLB + 1).</summary>
    public int BlockCount => Nlb + 1;

    /// <summary>The submission queue entry.</summary>
    public NvmeCommand ToCommand()
    {
        var cmd = NvmeCommand.Create((byte)NvmeIoOpcode.WriteZeroes, Cid, Nsid);
        cmd.Cdw10 = (uint)Slba;
        cmd.Cdw11 = (uint)(Slba >> 32);
        cmd.Cdw12 = Nlb
            | (Deallocate ? 1u << 25 : 0)
            | ((uint)(ProtectionInfo & 0xF) << 26)
            | (ForceUnitAccess ? 1u << 30 : 0)
            | (LimitedRetry ? 1u << 31 : 0);
        return cmd;
    }

    /// <summary>Writes the 64-byte submission queue entry.</summary>
    public void Encode(Span<byte> sqe) => ToCommand().Encode(sqe);

    /// <summary>Reads the view; another opcode gives <see cref="NvmeStatus.InvalidOpcode"/>.</summary>
    public static NvmeStatus TryFrom(in NvmeCommand cmd, out WriteZeroesCommand view)
    {
        view = new WriteZeroesCommand
        {
            Cid = cmd.Cid,
            Nsid = cmd.Nsid,
            Slba = cmd.Cdw10 | ((ulong)cmd.Cdw11 << 32),
            Nlb = (ushort)cmd.Cdw12,
            Deallocate = (cmd.Cdw12 & (1u << 25)) != 0,
            ProtectionInfo = (byte)((cmd.Cdw12 >> 26) & 0xF),
            ForceUnitAccess = (cmd.Cdw12 & (1u << 30)) != 0,
            LimitedRetry = (cmd.Cdw12 & (1u << 31)) != 0,
        };
        return cmd.Expect((byte)NvmeIoOpcode.WriteZeroes);
    }

    /// <summary>Decodes a submission queue entry and reads the view.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> sqe, out WriteZeroesCommand view)
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
