namespace Harness.Transport.Nvme;

/// <summary>Typed view of an NVM Flush (0x00): no data, no command dwords.</summary>
public readonly record struct FlushCommand
{
    /// <summary>Command identifier.</summary>
    public ushort Cid { get; init; }

    /// <summary>Namespace identifier (0xFFFFFFFF: all namespaces).</summary>
    public uint Nsid { get; init; }

    /// <summary>The submission queue entry.</summary>
    public NvmeCommand ToCommand() => NvmeCommand.Create((byte)NvmeIoOpcode.Flush, Cid, Nsid);

    /// <summary>Writes the 64-byte submission queue entry.</summary>
    public void Encode(Span<byte> sqe) => ToCommand().Encode(sqe);

    /// <summary>Reads the view; another opcode gives <see cref="NvmeStatus.InvalidOpcode"/>.</summary>
    public static NvmeStatus TryFrom(in NvmeCommand cmd, out FlushCommand view)
    {
        view = new FlushCommand { Cid = cmd.Cid, Nsid = cmd.Nsid };
        return cmd.Expect((byte)NvmeIoOpcode.Flush);
    }

    /// <summary>Decodes a submission queue entry and reads the view.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> sqe, out FlushCommand view)
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
