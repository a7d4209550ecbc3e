namespace Harness.Transport.Nvme;

/// <summary>Typed view of a Keep Alive (admin 0x18): no data, no command dwords.</summary>
public readonly record struct KeepAliveCommand
{
    /// <summary>Command identifier.</summary>
    public ushort Cid { get; init; }

    /// <summary>The submission queue entry.</summary>
    public NvmeCommand ToCommand() => NvmeCommand.Create((byte)NvmeAdminOpcode.KeepAlive, Cid);

    /// <summary>Writes the 64-byte submission queue entry.</summary>
    public void Encode(Span<byte> sqe) => ToCommand().Encode(sqe);

    /// <summary>Reads the view; another opcode gives <see cref="NvmeStatus.InvalidOpcode"/>.</summary>
    public static NvmeStatus TryFrom(in NvmeCommand cmd, out KeepAliveCommand view)
    {
        view = new KeepAliveCommand { Cid = cmd.Cid };
        return cmd.Expect((byte)NvmeAdminOpcode.KeepAlive);
    }

    /// <summary>Decodes a submission queue entry and reads the view.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> sqe, out KeepAliveCommand view)
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
