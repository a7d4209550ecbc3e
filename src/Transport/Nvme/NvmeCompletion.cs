using System.Buffers.Binary;
using System.Globalization;

namespace Harness.Transport.Nvme;

/// <summary>
/// A 16-byte NVMe completion queue entry (the NVMe-oF response capsule), as SPDK's <c>struct spdk_nvme_cpl</c>:
/// DW0 command specific, DW1 command specific/reserved, SQHD u16, SQID u16, CID u16, status u16 (phase in bit 0).
/// Every 16-byte input decodes and re-encodes to the same bytes. Nothing here allocates.
/// </summary>
public record struct NvmeCompletion
{
    /// <summary>Size of a completion queue entry.</summary>
    public const int Size = 16;

    /// <summary>Command specific dword 0 (bytes 0..3), e.g. Connect's CNTLID or Property Get's low half.</summary>
    public uint Dw0 { get; set; }

    /// <summary>Dword 1 (bytes 4..7), e.g. Property Get's high half of an 8-byte value.</summary>
    public uint Dw1 { get; set; }

    /// <summary>Submission queue head pointer (bytes 8..9).</summary>
    public ushort Sqhd { get; set; }

    /// <summary>Submission queue identifier (bytes 10..11).</summary>
    public ushort Sqid { get; set; }

    /// <summary>Identifier of the command completed (bytes 12..13).</summary>
    public ushort Cid { get; set; }

    /// <summary>Status (bytes 14..15 without the phase bit).</summary>
    public NvmeStatus Status { get; set; }

    /// <summary>Phase tag (bit 0 of byte 14); not used on fabrics.</summary>
    public bool Phase { get; set; }

    /// <summary>The 8-byte value of a Property Get response (DW0 low, DW1 high).</summary>
    public ulong Value64
    {
        readonly get => Dw0 | ((ulong)Dw1 << 32);
        set
        {
            Dw0 = (uint)value;
            Dw1 = (uint)(value >> 32);
        }
    }

    /// <summary>
    /// Decodes the first 16 bytes of <paramref name="cqe"/>; any 16 bytes are accepted. Fewer give
    /// <see cref="NvmeStatus.InvalidField"/> and a default <paramref name="cpl"/>.
    /// </summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> cqe, out NvmeCompletion cpl)
    {
        cpl = default;
        if (cqe.Length < Size)
        {
            return NvmeStatus.InvalidField;
        }

        var status = BinaryPrimitives.ReadUInt16LittleEndian(cqe[14..]);
        cpl.Dw0 = BinaryPrimitives.ReadUInt32LittleEndian(cqe);
        cpl.Dw1 = BinaryPrimitives.ReadUInt32LittleEndian(cqe[4..]);
        cpl.Sqhd = BinaryPrimitives.ReadUInt16LittleEndian(cqe[8..]);
        cpl.Sqid = BinaryPrimitives.ReadUInt16LittleEndian(cqe[10..]);
        cpl.Cid = BinaryPrimitives.ReadUInt16LittleEndian(cqe[12..]);
        cpl.Status = NvmeStatus.FromStatusField(status);
        cpl.Phase = (status & 1) != 0;
        return NvmeStatus.Success;
    }

    /// <summary>Writes the 16 bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than 16 bytes of room.</exception>
    public readonly void Encode(Span<byte> cqe)
    {
        if (cqe.Length < Size)
        {
            throw new ArgumentException("A completion queue entry has 16 bytes.", nameof(cqe));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(cqe, Dw0);
        BinaryPrimitives.WriteUInt32LittleEndian(cqe[4..], Dw1);
        BinaryPrimitives.WriteUInt16LittleEndian(cqe[8..], Sqhd);
        BinaryPrimitives.WriteUInt16LittleEndian(cqe[10..], Sqid);
        BinaryPrimitives.WriteUInt16LittleEndian(cqe[12..], Cid);
        BinaryPrimitives.WriteUInt16LittleEndian(cqe[14..], Status.ToStatusField(Phase));
    }

    /// <summary>SPDK's completion log line (<c>spdk_nvme_print_completion</c>) for a non-Fabrics command.</summary>
    public override readonly string ToString() => ToString(0);

    /// <summary>
    /// SPDK's completion log line, e.g. <c>INVALID OPCODE (00/01) qid:1 cid:7 cdw0:00000000 sqhd:0004 p:0 m:0 dnr:1</c>;
    /// <paramref name="opcode"/> selects how command specific codes read (0x7F: Fabrics). qid is <see cref="Sqid"/>.
    /// </summary>
    public readonly string ToString(byte opcode) => string.Create(
        CultureInfo.InvariantCulture,
        $"{Status.ToString(opcode)} qid:{Sqid} cid:{Cid} cdw0:{Dw0:x8} sqhd:{Sqhd:x4} p:{(Phase ? 1 : 0)} m:{(Status.More ? 1 : 0)} dnr:{(Status.Dnr ? 1 : 0)}");
}
