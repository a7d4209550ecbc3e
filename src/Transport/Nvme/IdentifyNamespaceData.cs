using System.Buffers.Binary;

namespace Harness.Transport.Nvme;

/// <summary>
/// The fields of the 4096-byte Identify Namespace data structure (CNS 0x00) a host needs, at the offsets of SPDK's
/// <c>struct spdk_nvme_ns_data</c>: NSZE, NCAP, NUSE, NSFEAT, NLBAF, FLBAS, NMIC and the LBA format in use
/// (<c>lbaf[FLBAS format index]</c>, which is <c>lbaf[0]</c> for the usual FLBAS 0).
/// </summary>
public record struct IdentifyNamespaceData
{
    /// <summary>Size of the structure.</summary>
    public const int Size = 4096;

    /// <summary>Offset of the LBA format table (64 descriptors of 4 bytes).</summary>
    public const int LbaFormatTableOffset = 128;

    /// <summary>Namespace Size in blocks (bytes 0..7).</summary>
    public ulong Nsze { get; set; }

    /// <summary>Namespace Capacity in blocks (bytes 8..15).</summary>
    public ulong Ncap { get; set; }

    /// <summary>Namespace Utilization in blocks (bytes 16..23).</summary>
    public ulong Nuse { get; set; }

    /// <summary>Namespace Features (byte 24).</summary>
    public byte Nsfeat { get; set; }

    /// <summary>Number of LBA Formats, 0's based (byte 25), at most 63.</summary>
    public byte Nlbaf { get; set; }

    /// <summary>Formatted LBA Size (byte 26): format index in bits 3:0 (and 6:5 as its high bits), bit 4 extended metadata.</summary>
    public byte Flbas { get; set; }

    /// <summary>Namespace Multi-path I/O and Namespace Sharing Capabilities (byte 30).</summary>
    public byte Nmic { get; set; }

    /// <summary>The LBA format selected by <see cref="Flbas"/>.</summary>
    public LbaFormat ActiveLbaFormat { get; set; }

    /// <summary>Index of the LBA format in use: FLBAS bits 3:0, plus bits 6:5 as bits 5:4.</summary>
    public readonly int FormatIndex => (Flbas & 0xF) | (((Flbas >> 5) & 0x3) << 4);

    /// <summary>Block size of the format in use (0 if its LBADS is not supported).</summary>
    public readonly uint BlockSize => ActiveLbaFormat.BlockSize;

    /// <summary>Writes the 4096 bytes (the active LBA format at its index; all other bytes zero).</summary>
    /// <exception cref="ArgumentException">Fewer than 4096 bytes of room.</exception>
    public readonly void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("Identify data has 4096 bytes.", nameof(destination));
        }

        var d = destination[..Size];
        d.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(d, Nsze);
        BinaryPrimitives.WriteUInt64LittleEndian(d[8..], Ncap);
        BinaryPrimitives.WriteUInt64LittleEndian(d[16..], Nuse);
        d[24] = Nsfeat;
        d[25] = Nlbaf;
        d[26] = Flbas;
        d[30] = Nmic;
        BinaryPrimitives.WriteUInt32LittleEndian(d[(LbaFormatTableOffset + (4 * FormatIndex))..], ActiveLbaFormat.ToDword());
    }

    /// <summary>
    /// Decodes the structure. Fewer than 4096 bytes, NLBAF above 63, or a FLBAS format index above NLBAF give
    /// <see cref="NvmeStatus.InvalidField"/>. A zero-filled structure (inactive namespace) decodes.
    /// </summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> source, out IdentifyNamespaceData data)
    {
        data = default;
        if (source.Length < Size)
        {
            return NvmeStatus.InvalidField;
        }

        data.Nsze = BinaryPrimitives.ReadUInt64LittleEndian(source);
        data.Ncap = BinaryPrimitives.ReadUInt64LittleEndian(source[8..]);
        data.Nuse = BinaryPrimitives.ReadUInt64LittleEndian(source[16..]);
        data.Nsfeat = source[24];
        data.Nlbaf = source[25];
        data.Flbas = source[26];
        data.Nmic = source[30];
        if (data.Nlbaf > 63 || data.FormatIndex > data.Nlbaf)
        {
            return NvmeStatus.InvalidField;
        }

        data.ActiveLbaFormat = LbaFormat.FromDword(
            BinaryPrimitives.ReadUInt32LittleEndian(source[(LbaFormatTableOffset + (4 * data.FormatIndex))..]));
        return NvmeStatus.Success;
    }
}
