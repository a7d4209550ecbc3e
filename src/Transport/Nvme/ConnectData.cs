using System.Buffers.Binary;

namespace Harness.Transport.Nvme;

/// <summary>
/// The 1024-byte Connect data (SPDK <c>struct spdk_nvmf_fabric_connect_data</c>): HOSTID (16 bytes) at 0,
/// CNTLID u16 at 16 (0xFFFF: dynamic controller), SUBNQN (256) at 256, HOSTNQN (256) at 512; the rest reserved.
/// </summary>
public record struct ConnectData
{
    /// <summary>Size of the structure.</summary>
    public const int Size = 1024;

    /// <summary>Byte offset of CNTLID (an IPO value, with IATTR 1, for a Connect Invalid Parameters response).</summary>
    public const ushort CntlidOffset = 16;

    /// <summary>Byte offset of SUBNQN.</summary>
    public const ushort SubNqnOffset = 256;

    /// <summary>Byte offset of HOSTNQN.</summary>
    public const ushort HostNqnOffset = 512;

    /// <summary>The CNTLID a host sends on the admin queue to ask for a dynamic controller.</summary>
    public const ushort DynamicControllerId = 0xFFFF;

    /// <summary>Host identifier (the 16 bytes in wire order, so the text form reads as on the wire).</summary>
    public Guid HostId { get; set; }

    /// <summary>Controller ID: 0xFFFF on the admin queue (dynamic model), the assigned CNTLID on I/O queues.</summary>
    public ushort Cntlid { get; set; }

    /// <summary>NQN of the subsystem to connect to.</summary>
    public Nqn SubNqn { get; set; }

    /// <summary>NQN of the host.</summary>
    public Nqn HostNqn { get; set; }

    /// <summary>Writes the 1024 bytes (reserved bytes zero).</summary>
    /// <exception cref="ArgumentException">Fewer than 1024 bytes of room.</exception>
    public readonly void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("Connect data has 1024 bytes.", nameof(destination));
        }

        var d = destination[..Size];
        d.Clear();
        HostId.TryWriteBytes(d, bigEndian: true, out _);
        BinaryPrimitives.WriteUInt16LittleEndian(d[CntlidOffset..], Cntlid);
        SubNqn.Write(d[SubNqnOffset..]);
        HostNqn.Write(d[HostNqnOffset..]);
    }

    /// <summary>Decodes the structure (see the overload with the offending offset).</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> source, out ConnectData data) =>
        TryDecode(source, out data, out _);

    /// <summary>
    /// Decodes the structure. Fewer than 1024 bytes: <see cref="NvmeStatus.InvalidField"/> (SPDK's answer to a short
    /// Connect data buffer). SUBNQN or HOSTNQN without a NUL in its first 224 bytes:
    /// <see cref="NvmeStatus.ConnectInvalidParameters"/>, with <paramref name="invalidOffset"/> the field's offset
    /// (the IPO to report with IATTR 1, see <see cref="ConnectResponse.InvalidParameterDw0"/>).
    /// </summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> source, out ConnectData data, out ushort invalidOffset)
    {
        data = default;
        invalidOffset = 0;
        if (source.Length < Size)
        {
            return NvmeStatus.InvalidField;
        }

        data.HostId = new Guid(source[..16], bigEndian: true);
        data.Cntlid = BinaryPrimitives.ReadUInt16LittleEndian(source[CntlidOffset..]);
        data.SubNqn = Nqn.Read(source[SubNqnOffset..]);
        data.HostNqn = Nqn.Read(source[HostNqnOffset..]);
        if (!data.SubNqn.IsTerminated)
        {
            invalidOffset = SubNqnOffset;
            return NvmeStatus.ConnectInvalidParameters;
        }

        if (!data.HostNqn.IsTerminated)
        {
            invalidOffset = HostNqnOffset;
            return NvmeStatus.ConnectInvalidParameters;
        }

        return NvmeStatus.Success;
    }
}
