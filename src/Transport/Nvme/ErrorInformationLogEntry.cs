using System.Buffers.Binary;

namespace Harness.Transport.Nvme;

/// <summary>
/// One 64-byte Error Information log entry (log page 0x01), as SPDK's <c>struct spdk_nvme_error_information_entry</c>:
/// error count u64, SQID u16, CID u16, status field u16 (phase in bit 0), parameter error location u16, LBA u64,
/// NSID u32, vendor specific u8, transport type u8, command specific u64 (byte 32), transport type specific u16 (byte 40).
/// </summary>
public readonly record struct ErrorInformationLogEntry
{
    /// <summary>Size of an entry.</summary>
    public const int Size = 64;

    /// <summary>Error Count: unique, incrementing identifier of the error (0 = entry invalid).</summary>
    public ulong ErrorCount { get; init; }

    /// <summary>Submission Queue ID of the failed command (0xFFFF if not specific to a command).</summary>
    public ushort Sqid { get; init; }

    /// <summary>Command ID of the failed command.</summary>
    public ushort Cid { get; init; }

    /// <summary>Status of the failed command.</summary>
    public NvmeStatus Status { get; init; }

    /// <summary>Phase tag of the failed command's completion (bit 0 of the status field).</summary>
    public bool Phase { get; init; }

    /// <summary>Parameter Error Location: byte (bits 7:0) and bit (10:8) of the offending field.</summary>
    public ushort ParameterErrorLocation { get; init; }

    /// <summary>First LBA that hit the error.</summary>
    public ulong Lba { get; init; }

    /// <summary>Namespace of the error.</summary>
    public uint Nsid { get; init; }

    /// <summary>Vendor Specific Information Available (log page id, 0 = none).</summary>
    public byte VendorSpecific { get; init; }

    /// <summary>Transport Type (1 = RDMA).</summary>
    public byte TransportType { get; init; }

    /// <summary>Command Specific Information.</summary>
    public ulong CommandSpecific { get; init; }

    /// <summary>Transport Type Specific Information.</summary>
    public ushort TransportTypeSpecific { get; init; }

    /// <summary>Writes the 64 bytes (reserved bytes zero).</summary>
    /// <exception cref="ArgumentException">Fewer than 64 bytes of room.</exception>
    public void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("An error log entry has 64 bytes.", nameof(destination));
        }

        var d = destination[..Size];
        d.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(d, ErrorCount);
        BinaryPrimitives.WriteUInt16LittleEndian(d[8..], Sqid);
        BinaryPrimitives.WriteUInt16LittleEndian(d[10..], Cid);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], Status.ToStatusField(Phase));
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], ParameterErrorLocation);
        BinaryPrimitives.WriteUInt64LittleEndian(d[16..], Lba);
        BinaryPrimitives.WriteUInt32LittleEndian(d[24..], Nsid);
        d[28] = VendorSpecific;
        d[29] = TransportType;
        BinaryPrimitives.WriteUInt64LittleEndian(d[32..], CommandSpecific);
        BinaryPrimitives.WriteUInt16LittleEndian(d[40..], TransportTypeSpecific);
    }

    /// <summary>Decodes 64 bytes; fewer give <see cref="NvmeStatus.InvalidField"/>.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> source, out ErrorInformationLogEntry entry)
    {
        if (source.Length < Size)
        {
            entry = default;
            return NvmeStatus.InvalidField;
        }

        var status = BinaryPrimitives.ReadUInt16LittleEndian(source[12..]);
        entry = new ErrorInformationLogEntry
        {
            ErrorCount = BinaryPrimitives.ReadUInt64LittleEndian(source),
            Sqid = BinaryPrimitives.ReadUInt16LittleEndian(source[8..]),
            Cid = BinaryPrimitives.ReadUInt16LittleEndian(source[10..]),
            Status = NvmeStatus.FromStatusField(status),
            Phase = (status & 1) != 0,
            ParameterErrorLocation = BinaryPrimitives.ReadUInt16LittleEndian(source[14..]),
            Lba = BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            Nsid = BinaryPrimitives.ReadUInt32LittleEndian(source[24..]),
            VendorSpecific = source[28],
            TransportType = source[29],
            CommandSpecific = BinaryPrimitives.ReadUInt64LittleEndian(source[32..]),
            TransportTypeSpecific = BinaryPrimitives.ReadUInt16LittleEndian(source[40..]),
        };
        return NvmeStatus.Success;
    }
}
