namespace Harness.Transport.Nvme;

/// <summary>
/// Typed view of Set Features (admin 0x09) and Get Features (admin 0x0A): CDW10 bits 7:0 FID, for Get bits 10:8
/// SEL, for Set bit 31 SV (save); CDW11 the feature specific value. The result of a Get comes in completion DW0.
/// </summary>
public readonly record struct FeaturesCommand
{
    /// <summary>Set Features or Get Features.</summary>
    public NvmeAdminOpcode Opcode { get; init; }

    /// <summary>Command identifier.</summary>
    public ushort Cid { get; init; }

    /// <summary>Namespace identifier (0 for controller-wide features).</summary>
    public uint Nsid { get; init; }

    /// <summary>Data pointer (unused by the features here).</summary>
    public SglDescriptor Dptr { get; init; }

    /// <summary>Feature Identifier (see <see cref="FeatureId"/>).</summary>
    public byte FeatureId { get; init; }

    /// <summary>Get Features only: which value to return.</summary>
    public FeatureSelect Select { get; init; }

    /// <summary>Set Features only: save the value across resets.</summary>
    public bool Save { get; init; }

    /// <summary>Feature specific value (CDW11).</summary>
    public uint Cdw11 { get; init; }

    /// <summary>True for Set Features.</summary>
    public bool IsSet => Opcode == NvmeAdminOpcode.SetFeatures;

    /// <summary>Set Features, Number of Queues (values 0's based).</summary>
    public static FeaturesCommand SetNumberOfQueues(ushort cid, NumberOfQueues requested) => new()
    {
        Opcode = NvmeAdminOpcode.SetFeatures,
        Cid = cid,
        FeatureId = (byte)Nvme.FeatureId.NumberOfQueues,
        Cdw11 = requested.ToDword(),
    };

    /// <summary>Get Features, Number of Queues (current value).</summary>
    public static FeaturesCommand GetNumberOfQueues(ushort cid) => new()
    {
        Opcode = NvmeAdminOpcode.GetFeatures,
        Cid = cid,
        FeatureId = (byte)Nvme.FeatureId.NumberOfQueues,
    };

    /// <summary>Set Features, Keep Alive Timer: KATO in milliseconds.</summary>
    public static FeaturesCommand SetKeepAliveTimer(ushort cid, uint katoMilliseconds) => new()
    {
        Opcode = NvmeAdminOpcode.SetFeatures,
        Cid = cid,
        FeatureId = (byte)Nvme.FeatureId.KeepAliveTimer,
        Cdw11 = katoMilliseconds,
    };

    /// <summary>The submission queue entry (SEL written only for Get, SV only for Set).</summary>
    public NvmeCommand ToCommand()
    {
        var cmd = NvmeCommand.Create((byte)Opcode, Cid, Nsid);
        cmd.Dptr = Dptr;
        cmd.Cdw10 = IsSet
            ? FeatureId | (Save ? 1u << 31 : 0)
            : FeatureId | ((uint)((byte)Select & 0x7) << 8);
        cmd.Cdw11 = Cdw11;
        return cmd;
    }

    /// <summary>Writes the 64-byte submission queue entry.</summary>
    public void Encode(Span<byte> sqe) => ToCommand().Encode(sqe);

    /// <summary>
    /// Reads the view. An opcode other than Set/Get Features is <see cref="NvmeStatus.InvalidOpcode"/>; a Get with
    /// a reserved SEL (4..7) is <see cref="NvmeStatus.InvalidField"/>.
    /// </summary>
    public static NvmeStatus TryFrom(in NvmeCommand cmd, out FeaturesCommand view)
    {
        var isSet = cmd.Opcode == (byte)NvmeAdminOpcode.SetFeatures;
        var select = isSet ? 0 : (byte)((cmd.Cdw10 >> 8) & 0x7);
        view = new FeaturesCommand
        {
            Opcode = (NvmeAdminOpcode)cmd.Opcode,
            Cid = cmd.Cid,
            Nsid = cmd.Nsid,
            Dptr = cmd.Dptr,
            FeatureId = (byte)cmd.Cdw10,
            Select = (FeatureSelect)select,
            Save = isSet && (cmd.Cdw10 & (1u << 31)) != 0,
            Cdw11 = cmd.Cdw11,
        };
        if (!isSet && cmd.Opcode != (byte)NvmeAdminOpcode.GetFeatures)
        {
            return NvmeStatus.InvalidOpcode;
        }

        return select > (byte)FeatureSelect.SupportedCapabilities ? NvmeStatus.InvalidField : NvmeStatus.Success;
    }

    /// <summary>Decodes a submission queue entry and reads the view.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> sqe, out FeaturesCommand view)
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
