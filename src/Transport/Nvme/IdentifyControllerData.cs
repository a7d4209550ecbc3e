using System.Buffers.Binary;

namespace Harness.Transport.Nvme;

/// <summary>
/// The fields of the 4096-byte Identify Controller data structure (CNS 0x01) an NVMe-oF host and target need, at
/// the offsets of SPDK's <c>struct spdk_nvme_ctrlr_data</c>. <see cref="Encode"/> zero-fills every other byte.
/// </summary>
public record struct IdentifyControllerData
{
    /// <summary>Size of the structure.</summary>
    public const int Size = 4096;

    /// <summary>PCI Vendor ID (bytes 0..1).</summary>
    public ushort Vid { get; set; }

    /// <summary>PCI Subsystem Vendor ID (bytes 2..3).</summary>
    public ushort Ssvid { get; set; }

    /// <summary>Serial Number (bytes 4..23, ASCII, space padded).</summary>
    public NvmeText20 SerialNumber { get; set; }

    /// <summary>Model Number (bytes 24..63).</summary>
    public NvmeText40 ModelNumber { get; set; }

    /// <summary>Firmware Revision (bytes 64..71).</summary>
    public NvmeText8 FirmwareRevision { get; set; }

    /// <summary>Controller Multi-Path I/O and Namespace Sharing Capabilities (byte 76).</summary>
    public byte Cmic { get; set; }

    /// <summary>Maximum Data Transfer Size as a power of two of CAP.MPSMIN pages (byte 77); 0 = no limit.</summary>
    public byte Mdts { get; set; }

    /// <summary>Controller ID (bytes 78..79).</summary>
    public ushort Cntlid { get; set; }

    /// <summary>Version (bytes 80..83), the VS register layout.</summary>
    public NvmeVersion Version { get; set; }

    /// <summary>Controller Type (byte 111): 1 I/O controller, 2 discovery, 3 administrative.</summary>
    public byte ControllerType { get; set; }

    /// <summary>Optional Admin Command Support (bytes 256..257).</summary>
    public ushort Oacs { get; set; }

    /// <summary>Abort Command Limit, 0's based (byte 258).</summary>
    public byte Acl { get; set; }

    /// <summary>Asynchronous Event Request Limit, 0's based (byte 259).</summary>
    public byte Aerl { get; set; }

    /// <summary>Log Page Attributes (byte 261).</summary>
    public byte Lpa { get; set; }

    /// <summary>Error Log Page Entries, 0's based (byte 262).</summary>
    public byte Elpe { get; set; }

    /// <summary>Keep Alive Support: granularity in 100 ms units, 0 = not supported (bytes 320..321).</summary>
    public ushort Kas { get; set; }

    /// <summary>Submission Queue Entry Size (byte 512): max (bits 7:4) and required (3:0) as powers of two; 0x66 for 64 bytes.</summary>
    public byte Sqes { get; set; }

    /// <summary>Completion Queue Entry Size (byte 513); 0x44 for 16 bytes.</summary>
    public byte Cqes { get; set; }

    /// <summary>Maximum Outstanding Commands (bytes 514..515).</summary>
    public ushort Maxcmd { get; set; }

    /// <summary>Number of Namespaces: the largest NSID (bytes 516..519).</summary>
    public uint Nn { get; set; }

    /// <summary>Optional NVM Command Support (bytes 520..521): bit 2 DSM, bit 3 Write Zeroes, ...</summary>
    public ushort Oncs { get; set; }

    /// <summary>Fused Operation Support (bytes 522..523).</summary>
    public ushort Fuses { get; set; }

    /// <summary>Volatile Write Cache (byte 525): bit 0 present.</summary>
    public byte Vwc { get; set; }

    /// <summary>Atomic Write Unit Normal, 0's based (bytes 526..527).</summary>
    public ushort Awun { get; set; }

    /// <summary>Atomic Write Unit Power Fail, 0's based (bytes 528..529).</summary>
    public ushort Awupf { get; set; }

    /// <summary>SGL Support (bytes 536..539): bits 1:0 supported, bit 2 keyed SGL data block, bit 20 offset, ...</summary>
    public uint Sgls { get; set; }

    /// <summary>NVM Subsystem NVMe Qualified Name (bytes 768..1023).</summary>
    public Nqn SubNqn { get; set; }

    /// <summary>I/O Queue Command Capsule Supported Size in 16-byte units (bytes 1792..1795).</summary>
    public uint Ioccsz { get; set; }

    /// <summary>I/O Queue Response Capsule Supported Size in 16-byte units (bytes 1796..1799).</summary>
    public uint Iorcsz { get; set; }

    /// <summary>In Capsule Data Offset in 16-byte units (bytes 1800..1801).</summary>
    public ushort Icdoff { get; set; }

    /// <summary>Controller Attributes (byte 1802): bit 0 static controller model.</summary>
    public byte Ctrattr { get; set; }

    /// <summary>Maximum SGL Data Block Descriptors per command (byte 1803); 0 = no limit.</summary>
    public byte Msdbd { get; set; }

    /// <summary>In-capsule data bytes an I/O command capsule can carry: IOCCSZ × 16 − 64 (0 when IOCCSZ &lt; 4).</summary>
    public readonly uint InCapsuleDataSize => Ioccsz >= 4 ? (Ioccsz * 16) - NvmeCommand.Size : 0;

    /// <summary>Writes the 4096 bytes (all other fields zero).</summary>
    /// <exception cref="ArgumentException">Fewer than 4096 bytes of room.</exception>
    public readonly void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("Identify data has 4096 bytes.", nameof(destination));
        }

        var d = destination[..Size];
        d.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(d, Vid);
        BinaryPrimitives.WriteUInt16LittleEndian(d[2..], Ssvid);
        SerialNumber.Write(d[4..]);
        ModelNumber.Write(d[24..]);
        FirmwareRevision.Write(d[64..]);
        d[76] = Cmic;
        d[77] = Mdts;
        BinaryPrimitives.WriteUInt16LittleEndian(d[78..], Cntlid);
        BinaryPrimitives.WriteUInt32LittleEndian(d[80..], Version.ToRaw());
        d[111] = ControllerType;
        BinaryPrimitives.WriteUInt16LittleEndian(d[256..], Oacs);
        d[258] = Acl;
        d[259] = Aerl;
        d[261] = Lpa;
        d[262] = Elpe;
        BinaryPrimitives.WriteUInt16LittleEndian(d[320..], Kas);
        d[512] = Sqes;
        d[513] = Cqes;
        BinaryPrimitives.WriteUInt16LittleEndian(d[514..], Maxcmd);
        BinaryPrimitives.WriteUInt32LittleEndian(d[516..], Nn);
        BinaryPrimitives.WriteUInt16LittleEndian(d[520..], Oncs);
        BinaryPrimitives.WriteUInt16LittleEndian(d[522..], Fuses);
        d[525] = Vwc;
        BinaryPrimitives.WriteUInt16LittleEndian(d[526..], Awun);
        BinaryPrimitives.WriteUInt16LittleEndian(d[528..], Awupf);
        BinaryPrimitives.WriteUInt32LittleEndian(d[536..], Sgls);
        SubNqn.Write(d[768..]);
        BinaryPrimitives.WriteUInt32LittleEndian(d[1792..], Ioccsz);
        BinaryPrimitives.WriteUInt32LittleEndian(d[1796..], Iorcsz);
        BinaryPrimitives.WriteUInt16LittleEndian(d[1800..], Icdoff);
        d[1802] = Ctrattr;
        d[1803] = Msdbd;
    }

    /// <summary>Decodes the structure; fewer than 4096 bytes give <see cref="NvmeStatus.InvalidField"/>.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> source, out IdentifyControllerData data)
    {
        data = default;
        if (source.Length < Size)
        {
            return NvmeStatus.InvalidField;
        }

        data.Vid = BinaryPrimitives.ReadUInt16LittleEndian(source);
        data.Ssvid = BinaryPrimitives.ReadUInt16LittleEndian(source[2..]);
        data.SerialNumber = NvmeText20.Read(source[4..]);
        data.ModelNumber = NvmeText40.Read(source[24..]);
        data.FirmwareRevision = NvmeText8.Read(source[64..]);
        data.Cmic = source[76];
        data.Mdts = source[77];
        data.Cntlid = BinaryPrimitives.ReadUInt16LittleEndian(source[78..]);
        data.Version = NvmeVersion.FromRaw(BinaryPrimitives.ReadUInt32LittleEndian(source[80..]));
        data.ControllerType = source[111];
        data.Oacs = BinaryPrimitives.ReadUInt16LittleEndian(source[256..]);
        data.Acl = source[258];
        data.Aerl = source[259];
        data.Lpa = source[261];
        data.Elpe = source[262];
        data.Kas = BinaryPrimitives.ReadUInt16LittleEndian(source[320..]);
        data.Sqes = source[512];
        data.Cqes = source[513];
        data.Maxcmd = BinaryPrimitives.ReadUInt16LittleEndian(source[514..]);
        data.Nn = BinaryPrimitives.ReadUInt32LittleEndian(source[516..]);
        data.Oncs = BinaryPrimitives.ReadUInt16LittleEndian(source[520..]);
        data.Fuses = BinaryPrimitives.ReadUInt16LittleEndian(source[522..]);
        data.Vwc = source[525];
        data.Awun = BinaryPrimitives.ReadUInt16LittleEndian(source[526..]);
        data.Awupf = BinaryPrimitives.ReadUInt16LittleEndian(source[528..]);
        data.Sgls = BinaryPrimitives.ReadUInt32LittleEndian(source[536..]);
        data.SubNqn = Nqn.Read(source[768..]);
        data.Ioccsz = BinaryPrimitives.ReadUInt32LittleEndian(source[1792..]);
        data.Iorcsz = BinaryPrimitives.ReadUInt32LittleEndian(source[1796..]);
        data.Icdoff = BinaryPrimitives.ReadUInt16LittleEndian(source[1800..]);
        data.Ctrattr = source[1802];
        data.Msdbd = source[1803];
        return NvmeStatus.Success;
    }
}
