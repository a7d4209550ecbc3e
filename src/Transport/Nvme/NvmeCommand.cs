using System.Buffers.Binary;

namespace Harness.Transport.Nvme;

/// <summary>
/// A 64-byte NVMe submission queue entry (the command part of an NVMe-oF command capsule), field by field as in
/// SPDK's <c>struct spdk_nvme_cmd</c>. Every 64-byte input decodes and re-encodes to the same bytes; the typed views
/// (<see cref="ReadWriteCommand"/>, <see cref="ConnectCommand"/>, ...) give meaning to the command dwords.
/// </summary>
/// <remarks>
/// Layout: byte 0 opcode; byte 1 FUSE (bits 1:0) and PSDT (bits 7:6); bytes 2..3 CID; 4..7 NSID (for Fabrics
/// commands byte 4 is FCTYPE); 8..15 CDW2/CDW3; 16..23 MPTR; 24..39 DPTR (SGL descriptor 1); 40..63 CDW10..CDW15.
/// All little-endian. Nothing here allocates.
/// </remarks>
public record struct NvmeCommand
{
    /// <summary>Size of a submission queue entry.</summary>
    public const int Size = 64;

    /// <summary>Opcode of every Fabrics command.</summary>
    public const byte FabricsOpcode = 0x7F;

    /// <summary>Byte offset of the data pointer (SGL descriptor 1).</summary>
    public const int DptrOffset = 24;

    /// <summary>Opcode (byte 0).</summary>
    public byte Opcode { get; set; }

    /// <summary>Byte 1 exactly as on the wire: FUSE in bits 1:0, reserved bits 5:2, PSDT in bits 7:6.</summary>
    public byte Flags { get; set; }

    /// <summary>Command identifier (bytes 2..3).</summary>
    public ushort Cid { get; set; }

    /// <summary>Namespace identifier (bytes 4..7). For Fabrics commands its low byte is FCTYPE.</summary>
    public uint Nsid { get; set; }

    /// <summary>Command dword 2 (bytes 8..11).</summary>
    public uint Cdw2 { get; set; }

    /// <summary>Command dword 3 (bytes 12..15).</summary>
    public uint Cdw3 { get; set; }

    /// <summary>Metadata pointer (bytes 16..23).</summary>
    public ulong Mptr { get; set; }

    /// <summary>Data pointer: SGL descriptor 1 (bytes 24..39), unvalidated.</summary>
    public SglDescriptor Dptr { get; set; }

    /// <summary>Command dword 10 (bytes 40..43).</summary>
    public uint Cdw10 { get; set; }

    /// <summary>Command dword 11 (bytes 44..47).</summary>
    public uint Cdw11 { get; set; }

    /// <summary>Command dword 12 (bytes 48..51).</summary>
    public uint Cdw12 { get; set; }

    /// <summary>Command dword 13 (bytes 52..55).</summary>
    public uint Cdw13 { get; set; }

    /// <summary>Command dword 14 (bytes 56..59).</summary>
    public uint Cdw14 { get; set; }

    /// <summary>Command dword 15 (bytes 60..63).</summary>
    public uint Cdw15 { get; set; }

    /// <summary>FUSE, bits 1:0 of byte 1.</summary>
    public FusedOperation Fuse
    {
        readonly get => (FusedOperation)(Flags & 0x3);
        set => Flags = (byte)((Flags & ~0x3) | ((byte)value & 0x3));
    }

    /// <summary>PSDT, bits 7:6 of byte 1.</summary>
    public DataPointerType Psdt
    {
        readonly get => (DataPointerType)(Flags >> 6);
        set => Flags = (byte)((Flags & 0x3F) | (((byte)value & 0x3) << 6));
    }

    /// <summary>True for opcode 0x7F.</summary>
    public readonly bool IsFabrics => Opcode == FabricsOpcode;

    /// <summary>FCTYPE (byte 4); meaningful only when <see cref="IsFabrics"/>.</summary>
    public FabricsCommandType FabricsType
    {
        readonly get => (FabricsCommandType)(byte)Nsid;
        set => Nsid = (Nsid & 0xFFFFFF00u) | (byte)value;
    }

    /// <summary>
    /// Data direction as SPDK's target computes it (<c>spdk_nvmf_req_get_xfer</c>): the low two bits of the opcode
    /// (of FCTYPE for Fabrics commands), and <see cref="NvmeDataTransfer.None"/> when the SGL length is 0.
    /// </summary>
    public readonly NvmeDataTransfer GetDataTransfer()
    {
        var code = IsFabrics ? (byte)Nsid : Opcode;
        var xfer = (NvmeDataTransfer)(code & 0x3);
        if (xfer == NvmeDataTransfer.None)
        {
            return xfer;
        }

        var sgl = Dptr;
        switch (sgl.Type)
        {
            case SglDescriptorType.DataBlock:
            case SglDescriptorType.BitBucket:
            case SglDescriptorType.Segment:
            case SglDescriptorType.LastSegment:
            case SglDescriptorType.TransportDataBlock:
            case SglDescriptorType.KeyedDataBlock:
                return sgl.Length == 0 ? NvmeDataTransfer.None : xfer;
            default:
                return xfer;
        }
    }

    /// <summary>
    /// Decodes a submission queue entry from the first 64 bytes of <paramref name="sqe"/> (a capsule may carry
    /// in-capsule data after them). Any 64 bytes are accepted. Fewer than 64 bytes give
    /// <see cref="NvmeStatus.InvalidField"/>; <paramref name="cmd"/> then holds the opcode, byte 1 and CID if at
    /// least 4 bytes were there, so an error completion can still name the command.
    /// </summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> sqe, out NvmeCommand cmd)
    {
        cmd = default;
        if (sqe.Length < Size)
        {
            if (sqe.Length >= 4)
            {
                cmd.Opcode = sqe[0];
                cmd.Flags = sqe[1];
                cmd.Cid = BinaryPrimitives.ReadUInt16LittleEndian(sqe[2..]);
            }

            return NvmeStatus.InvalidField;
        }

        cmd.Opcode = sqe[0];
        cmd.Flags = sqe[1];
        cmd.Cid = BinaryPrimitives.ReadUInt16LittleEndian(sqe[2..]);
        cmd.Nsid = BinaryPrimitives.ReadUInt32LittleEndian(sqe[4..]);
        cmd.Cdw2 = BinaryPrimitives.ReadUInt32LittleEndian(sqe[8..]);
        cmd.Cdw3 = BinaryPrimitives.ReadUInt32LittleEndian(sqe[12..]);
        cmd.Mptr = BinaryPrimitives.ReadUInt64LittleEndian(sqe[16..]);
        cmd.Dptr = SglDescriptor.Read(sqe[DptrOffset..]);
        cmd.Cdw10 = BinaryPrimitives.ReadUInt32LittleEndian(sqe[40..]);
        cmd.Cdw11 = BinaryPrimitives.ReadUInt32LittleEndian(sqe[44..]);
        cmd.Cdw12 = BinaryPrimitives.ReadUInt32LittleEndian(sqe[48..]);
        cmd.Cdw13 = BinaryPrimitives.ReadUInt32LittleEndian(sqe[52..]);
        cmd.Cdw14 = BinaryPrimitives.ReadUInt32LittleEndian(sqe[56..]);
        cmd.Cdw15 = BinaryPrimitives.ReadUInt32LittleEndian(sqe[60..]);
        return NvmeStatus.Success;
    }

    /// <summary>Writes the 64 bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than 64 bytes of room.</exception>
    public readonly void Encode(Span<byte> sqe)
    {
        if (sqe.Length < Size)
        {
            throw new ArgumentException("A submission queue entry has 64 bytes.", nameof(sqe));
        }

        sqe[0] = Opcode;
        sqe[1] = Flags;
        BinaryPrimitives.WriteUInt16LittleEndian(sqe[2..], Cid);
        BinaryPrimitives.WriteUInt32LittleEndian(sqe[4..], Nsid);
        BinaryPrimitives.WriteUInt32LittleEndian(sqe[8..], Cdw2);
        BinaryPrimitives.WriteUInt32LittleEndian(sqe[12..], Cdw3);
        BinaryPrimitives.WriteUInt64LittleEndian(sqe[16..], Mptr);
        Dptr.Encode(sqe[DptrOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(sqe[40..], Cdw10);
        BinaryPrimitives.WriteUInt32LittleEndian(sqe[44..], Cdw11);
        BinaryPrimitives.WriteUInt32LittleEndian(sqe[48..], Cdw12);
        BinaryPrimitives.WriteUInt32LittleEndian(sqe[52..], Cdw13);
        BinaryPrimitives.WriteUInt32LittleEndian(sqe[56..], Cdw14);
        BinaryPrimitives.WriteUInt32LittleEndian(sqe[60..], Cdw15);
    }

    /// <summary>A command with the given opcode and CID and PSDT = SGL (what an NVMe-oF host sends).</summary>
    internal static NvmeCommand Create(byte opcode, ushort cid, uint nsid = 0) => new()
    {
        Opcode = opcode,
        Psdt = DataPointerType.SglMptrContiguous,
        Cid = cid,
        Nsid = nsid,
    };

    /// <summary>A Fabrics command (opcode 0x7F) with the given type and CID and PSDT = SGL.</summary>
    internal static NvmeCommand CreateFabrics(FabricsCommandType type, ushort cid) => new()
    {
        Opcode = FabricsOpcode,
        Psdt = DataPointerType.SglMptrContiguous,
        Cid = cid,
        Nsid = (byte)type,
    };

    /// <summary>Checks that this is an admin/I/O command with <paramref name="opcode"/> (else INVALID OPCODE).</summary>
    internal readonly NvmeStatus Expect(byte opcode) =>
        Opcode == opcode ? NvmeStatus.Success : NvmeStatus.InvalidOpcode;

    /// <summary>Checks that this is a Fabrics command of <paramref name="type"/> (else INVALID OPCODE, as SPDK answers an unknown FCTYPE).</summary>
    internal readonly NvmeStatus ExpectFabrics(FabricsCommandType type) =>
        IsFabrics && FabricsType == type ? NvmeStatus.Success : NvmeStatus.InvalidOpcode;
}
