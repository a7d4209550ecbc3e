namespace Harness.Transport.Nvme;

/// <summary>
/// An LBA Format descriptor of the Identify Namespace data (4 bytes): bits 15:0 metadata size, bits 23:16 LBADS
/// (block size as a power of two), bits 25:24 relative performance.
/// </summary>
public readonly record struct LbaFormat
{
    /// <summary>Metadata bytes per block.</summary>
    public ushort MetadataSize { get; init; }

    /// <summary>LBA Data Size: the block size is 2^LBADS bytes (9 = 512 B, 12 = 4 KiB; below 9: format not supported).</summary>
    public byte Lbads { get; init; }

    /// <summary>Relative Performance (2 bits).</summary>
    public byte RelativePerformance { get; init; }

    /// <summary>Block size in bytes, or 0 when LBADS is outside 9..31.</summary>
    public uint BlockSize => Lbads is >= 9 and <= 31 ? 1u << Lbads : 0u;

    /// <summary>The descriptor dword.</summary>
    public uint ToDword() => MetadataSize | ((uint)Lbads << 16) | ((uint)(RelativePerformance & 0x3) << 24);

    /// <summary>Reads a descriptor dword.</summary>
    public static LbaFormat FromDword(uint dword) => new()
    {
        MetadataSize = (ushort)dword,
        Lbads = (byte)(dword >> 16),
        RelativePerformance = (byte)((dword >> 24) & 0x3),
    };
}
