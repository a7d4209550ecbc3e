namespace Harness.Transport.Nvme;

/// <summary>
/// Typed view of an Identify (admin 0x06): CDW10 bits 7:0 CNS, bits 31:16 CNTID. The 4096-byte answer is
/// controller-to-host data (<see cref="IdentifyControllerData"/>, <see cref="IdentifyNamespaceData"/>).
/// </summary>
public readonly record struct IdentifyCommand
{
    /// <summary>Size of every Identify data structure.</summary>
    public const int DataSize = 4096;

    /// <summary>Command identifier.</summary>
    public ushort Cid { get; init; }

    /// <summary>Namespace identifier (for CNS 0x00 and 0x03; the list start for 0x02).</summary>
    public uint Nsid { get; init; }

    /// <summary>Data pointer to the 4096-byte buffer.</summary>
    public SglDescriptor Dptr { get; init; }

    /// <summary>Controller or Namespace Structure.</summary>
    public IdentifyCns Cns { get; init; }

    /// <summary>Controller identifier (CDW10 bits 31:16).</summary>
    public ushort Cntid { get; init; }

    /// <summary>The submission queue entry.</summary>
    public NvmeCommand ToCommand()
    {
        var cmd = NvmeCommand.Create((byte)NvmeAdminOpcode.Identify, Cid, Nsid);
        cmd.Dptr = Dptr;
        cmd.Cdw10 = (byte)Cns | ((uint)Cntid << 16);
        return cmd;
    }

    /// <summary>Writes the 64-byte submission queue entry.</summary>
    public void Encode(Span<byte> sqe) => ToCommand().Encode(sqe);

    /// <summary>Reads the view; another opcode gives <see cref="NvmeStatus.InvalidOpcode"/>.</summary>
    public static NvmeStatus TryFrom(in NvmeCommand cmd, out IdentifyCommand view)
    {
        view = new IdentifyCommand
        {
            Cid = cmd.Cid,
            Nsid = cmd.Nsid,
            Dptr = cmd.Dptr,
            Cns = (IdentifyCns)(byte)cmd.Cdw10,
            Cntid = (ushort)(cmd.Cdw10 >> 16),
        };
        return cmd.Expect((byte)NvmeAdminOpcode.Identify);
    }

    /// <summary>Decodes a submission queue entry and reads the view.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> sqe, out IdentifyCommand view)
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
