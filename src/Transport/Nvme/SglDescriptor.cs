using System.Buffers.Binary;
using System.Globalization;

namespace Harness.Transport.Nvme;

/// <summary>
/// One 16-byte NVMe SGL descriptor, held exactly as on the wire: <see cref="Address"/> (bytes 0..7) and
/// <see cref="RawUpper"/> (bytes 8..15, little-endian), so any 16 bytes round-trip. Typed readers interpret the
/// upper half by <see cref="Type"/>: keyed descriptors have a 3-byte length and a 4-byte key, unkeyed ones a 4-byte
/// length and 3 reserved bytes; byte 15 is type (high nibble) / subtype (low nibble).
/// </summary>
/// <remarks>
/// <see cref="Read"/> accepts any 16 bytes; <see cref="TryDecode"/> and <see cref="Validate"/> also check that the
/// descriptor is one an NVMe-oF/RDMA capsule may carry. Nothing here allocates.
/// </remarks>
public readonly struct SglDescriptor : IEquatable<SglDescriptor>
{
    /// <summary>Size of a descriptor on the wire.</summary>
    public const int Size = 16;

    /// <summary>Largest length a keyed data block can carry (3 bytes): 16 MiB - 1.</summary>
    public const uint MaxKeyedLength = 0xFFFFFF;

    /// <summary>SPDK's limit on descriptors in one in-capsule list (<c>SPDK_NVMF_MAX_SGL_ENTRIES</c>).</summary>
    public const int MaxInCapsuleDescriptors = 16;

    /// <summary>Creates a descriptor from its two raw little-endian halves.</summary>
    public SglDescriptor(ulong address, ulong rawUpper)
    {
        Address = address;
        RawUpper = rawUpper;
    }

    /// <summary>Bytes 0..7: the address (keyed: remote virtual address; offset subtype: offset into the capsule's data).</summary>
    public ulong Address { get; }

    /// <summary>Bytes 8..15 as a little-endian u64: length/key/reserved, then type and subtype in the top byte.</summary>
    public ulong RawUpper { get; }

    /// <summary>Descriptor type (high nibble of byte 15).</summary>
    public SglDescriptorType Type => (SglDescriptorType)(RawUpper >> 60);

    /// <summary>Descriptor subtype (low nibble of byte 15).</summary>
    public SglDescriptorSubtype Subtype => (SglDescriptorSubtype)((RawUpper >> 56) & 0xF);

    /// <summary>True when the type is <see cref="SglDescriptorType.KeyedDataBlock"/> (3-byte length and a key).</summary>
    public bool IsKeyed => Type == SglDescriptorType.KeyedDataBlock;

    /// <summary>Length in bytes: 3 bytes for keyed descriptors, 4 bytes otherwise.</summary>
    public uint Length => IsKeyed ? (uint)(RawUpper & MaxKeyedLength) : (uint)RawUpper;

    /// <summary>The key (RDMA rkey) of a keyed descriptor (bytes 11..14); 0 for unkeyed descriptors.</summary>
    public uint Key => IsKeyed ? (uint)(RawUpper >> 24) : 0u;

    /// <summary>A keyed data block with subtype Address or Invalidate Key: data the target moves with RDMA READ/WRITE.</summary>
    public bool IsKeyedDataBlock => IsKeyed
        && (Subtype == SglDescriptorSubtype.Address || Subtype == SglDescriptorSubtype.InvalidateKey);

    /// <summary>A keyed data block asking the target to invalidate its key (SEND with invalidate).</summary>
    public bool InvalidatesKey => IsKeyed && Subtype == SglDescriptorSubtype.InvalidateKey;

    /// <summary>A data block with subtype Offset: data carried in the capsule after the SQE.</summary>
    public bool IsInCapsuleData => Type == SglDescriptorType.DataBlock && Subtype == SglDescriptorSubtype.Offset;

    /// <summary>A last segment with subtype Offset: a list of keyed descriptors carried in the capsule.</summary>
    public bool IsInCapsuleDescriptorList =>
        Type == SglDescriptorType.LastSegment && Subtype == SglDescriptorSubtype.Offset;

    /// <summary>Number of descriptors a segment / last segment points to (length / 16).</summary>
    public int DescriptorCount => (int)(Length / Size);

    /// <summary>
    /// A keyed data block. <paramref name="length"/> must fit in 3 bytes; use <see cref="TryCreateKeyed"/> to get a
    /// status instead of an exception.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The length exceeds <see cref="MaxKeyedLength"/>.</exception>
    public static SglDescriptor Keyed(ulong address, uint length, uint key, bool invalidateKey = false)
    {
        if (TryCreateKeyed(address, length, key, invalidateKey, out var sgl).IsError)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "A keyed SGL length has 3 bytes (max 0xFFFFFF).");
        }

        return sgl;
    }

    /// <summary>A keyed data block, or <see cref="NvmeStatus.DataSglLengthInvalid"/> when the length needs more than 3 bytes.</summary>
    public static NvmeStatus TryCreateKeyed(ulong address, ulong length, uint key, bool invalidateKey, out SglDescriptor sgl)
    {
        if (length > MaxKeyedLength)
        {
            sgl = default;
            return NvmeStatus.DataSglLengthInvalid;
        }

        var subtype = invalidateKey ? SglDescriptorSubtype.InvalidateKey : SglDescriptorSubtype.Address;
        sgl = new SglDescriptor(address, length | ((ulong)key << 24) | TypeByte(SglDescriptorType.KeyedDataBlock, subtype));
        return NvmeStatus.Success;
    }

    /// <summary>An unkeyed descriptor (data block, segment, last segment, ...) with a 4-byte length.</summary>
    public static SglDescriptor Unkeyed(SglDescriptorType type, SglDescriptorSubtype subtype, ulong address, uint length) =>
        new(address, length | TypeByte(type, subtype));

    /// <summary>In-capsule data: data block, subtype Offset, at <paramref name="offset"/> into the capsule's data area.</summary>
    public static SglDescriptor InCapsule(uint offset, uint length) =>
        Unkeyed(SglDescriptorType.DataBlock, SglDescriptorSubtype.Offset, offset, length);

    /// <summary>An in-capsule descriptor list: last segment, subtype Offset, <paramref name="count"/> descriptors of 16 bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or too large for a 4-byte length.</exception>
    public static SglDescriptor LastSegmentInCapsule(uint offset, int count)
    {
        if (count < 0 || count > int.MaxValue / Size)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Descriptor count out of range.");
        }

        return Unkeyed(SglDescriptorType.LastSegment, SglDescriptorSubtype.Offset, offset, (uint)(count * Size));
    }

    /// <summary>Reads 16 bytes without any check (total for spans of at least 16 bytes).</summary>
    /// <exception cref="ArgumentException">Fewer than 16 bytes.</exception>
    public static SglDescriptor Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException("An SGL descriptor has 16 bytes.", nameof(source));
        }

        return new SglDescriptor(
            BinaryPrimitives.ReadUInt64LittleEndian(source),
            BinaryPrimitives.ReadUInt64LittleEndian(source[8..]));
    }

    /// <summary>
    /// Decodes and validates one descriptor (see <see cref="Validate"/>). Fewer than 16 bytes gives
    /// <see cref="NvmeStatus.InvalidSglSegDescriptor"/>. On failure <paramref name="sgl"/> holds what could be read.
    /// </summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> source, out SglDescriptor sgl)
    {
        if (source.Length < Size)
        {
            sgl = default;
            return NvmeStatus.InvalidSglSegDescriptor;
        }

        sgl = Read(source);
        return sgl.Validate();
    }

    /// <summary>
    /// Checks the descriptor is one a capsule may carry: a keyed data block with subtype Address or Invalidate Key;
    /// a data block with subtype Address or Offset; a segment or last segment with subtype Address or Offset whose
    /// length is a non-zero multiple of 16. Anything else (bit bucket, transport, reserved and vendor types, unknown
    /// subtypes) is <see cref="NvmeStatus.SglDescriptorTypeInvalid"/>; a bad segment length is
    /// <see cref="NvmeStatus.InvalidSglSegDescriptor"/>.
    /// </summary>
    public NvmeStatus Validate()
    {
        switch (Type)
        {
            case SglDescriptorType.KeyedDataBlock:
                return IsKeyedDataBlock ? NvmeStatus.Success : NvmeStatus.SglDescriptorTypeInvalid;
            case SglDescriptorType.DataBlock:
                return HasAddressOrOffsetSubtype ? NvmeStatus.Success : NvmeStatus.SglDescriptorTypeInvalid;
            case SglDescriptorType.Segment:
            case SglDescriptorType.LastSegment:
                if (!HasAddressOrOffsetSubtype)
                {
                    return NvmeStatus.SglDescriptorTypeInvalid;
                }

                return Length == 0 || Length % Size != 0 ? NvmeStatus.InvalidSglSegDescriptor : NvmeStatus.Success;
            default:
                return NvmeStatus.SglDescriptorTypeInvalid;
        }
    }

    /// <summary>
    /// Locates in-capsule data as SPDK's target does (<c>nvmf_rdma_request_parse_icd</c>): the descriptor must be a
    /// data block with subtype Offset (else <see cref="NvmeStatus.SglDescriptorTypeInvalid"/>); an offset beyond
    /// <paramref name="inCapsuleDataSize"/> is <see cref="NvmeStatus.InvalidSglOffset"/>; a length beyond the rest
    /// is <see cref="NvmeStatus.DataSglLengthInvalid"/>.
    /// </summary>
    public NvmeStatus TryGetInCapsuleRange(uint inCapsuleDataSize, out uint offset, out uint length)
    {
        offset = 0;
        length = 0;
        if (!IsInCapsuleData)
        {
            return NvmeStatus.SglDescriptorTypeInvalid;
        }

        if (Address > inCapsuleDataSize)
        {
            return NvmeStatus.InvalidSglOffset;
        }

        if (Length > inCapsuleDataSize - (uint)Address)
        {
            return NvmeStatus.DataSglLengthInvalid;
        }

        offset = (uint)Address;
        length = Length;
        return NvmeStatus.Success;
    }

    /// <summary>
    /// Decodes the keyed descriptors an in-capsule last segment (<paramref name="lastSegment"/>) points to, from the
    /// capsule's data area <paramref name="inCapsuleData"/>, into <paramref name="destination"/> (its length is the
    /// limit, e.g. <see cref="MaxInCapsuleDescriptors"/>). Status: not a last segment with subtype Offset, or an entry
    /// that is not a keyed data block: <see cref="NvmeStatus.SglDescriptorTypeInvalid"/>; length 0 or not a multiple
    /// of 16, or an entry that is itself a segment: <see cref="NvmeStatus.InvalidSglSegDescriptor"/>; too many
    /// entries: <see cref="NvmeStatus.InvalidNumSglDescriptors"/>; offset outside the data:
    /// <see cref="NvmeStatus.InvalidSglOffset"/>; list running past the data: <see cref="NvmeStatus.DataSglLengthInvalid"/>.
    /// </summary>
    public static NvmeStatus TryDecodeList(
        ReadOnlySpan<byte> inCapsuleData, in SglDescriptor lastSegment, Span<SglDescriptor> destination, out int count)
    {
        count = 0;
        if (!lastSegment.IsInCapsuleDescriptorList)
        {
            return NvmeStatus.SglDescriptorTypeInvalid;
        }

        var length = lastSegment.Length;
        if (length == 0 || length % Size != 0)
        {
            return NvmeStatus.InvalidSglSegDescriptor;
        }

        var entries = length / Size;
        if (entries > (uint)destination.Length)
        {
            return NvmeStatus.InvalidNumSglDescriptors;
        }

        if (lastSegment.Address > (ulong)inCapsuleData.Length)
        {
            return NvmeStatus.InvalidSglOffset;
        }

        var offset = (int)lastSegment.Address;
        if (length > (uint)(inCapsuleData.Length - offset))
        {
            return NvmeStatus.DataSglLengthInvalid;
        }

        for (var i = 0; i < (int)entries; i++)
        {
            var entry = Read(inCapsuleData.Slice(offset + (i * Size), Size));
            if (entry.Type == SglDescriptorType.Segment || entry.Type == SglDescriptorType.LastSegment)
            {
                return NvmeStatus.InvalidSglSegDescriptor;
            }

            if (!entry.IsKeyedDataBlock)
            {
                return NvmeStatus.SglDescriptorTypeInvalid;
            }

            destination[i] = entry;
        }

        count = (int)entries;
        return NvmeStatus.Success;
    }

    /// <summary>Writes the 16 bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than 16 bytes of room.</exception>
    public void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("An SGL descriptor has 16 bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(destination, Address);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], RawUpper);
    }

    /// <inheritdoc/>
    public bool Equals(SglDescriptor other) => Address == other.Address && RawUpper == other.RawUpper;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SglDescriptor other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Address, RawUpper);

    /// <summary>Equal in all 16 bytes.</summary>
    public static bool operator ==(SglDescriptor left, SglDescriptor right) => left.Equals(right);

    /// <summary>Different in some byte.</summary>
    public static bool operator !=(SglDescriptor left, SglDescriptor right) => !left.Equals(right);

    /// <summary>Diagnostic text, e.g. <c>SGL KEYED DATA BLOCK ADDRESS 0x1000 len:0x200 key:0x1234</c>.</summary>
    public override string ToString() => IsKeyed
        ? string.Create(CultureInfo.InvariantCulture, $"SGL {TypeName} {SubtypeName} 0x{Address:x} len:0x{Length:x} key:0x{Key:x}")
        : string.Create(CultureInfo.InvariantCulture, $"SGL {TypeName} {SubtypeName} 0x{Address:x} len:0x{Length:x}");

    private bool HasAddressOrOffsetSubtype =>
        Subtype == SglDescriptorSubtype.Address || Subtype == SglDescriptorSubtype.Offset;

    private string TypeName => Type switch
    {
        SglDescriptorType.DataBlock => "DATA BLOCK",
        SglDescriptorType.BitBucket => "BIT BUCKET",
        SglDescriptorType.Segment => "SEGMENT",
        SglDescriptorType.LastSegment => "LAST SEGMENT",
        SglDescriptorType.KeyedDataBlock => "KEYED DATA BLOCK",
        SglDescriptorType.TransportDataBlock => "TRANSPORT DATA BLOCK",
        _ => string.Create(CultureInfo.InvariantCulture, $"TYPE 0x{(byte)Type:x}"),
    };

    private string SubtypeName => Subtype switch
    {
        SglDescriptorSubtype.Address => "ADDRESS",
        SglDescriptorSubtype.Offset => "OFFSET",
        SglDescriptorSubtype.Transport => "TRANSPORT",
        SglDescriptorSubtype.InvalidateKey when IsKeyed => "INVALIDATE KEY",
        _ => string.Create(CultureInfo.InvariantCulture, $"SUBTYPE 0x{(byte)Subtype:x}"),
    };

    private static ulong TypeByte(SglDescriptorType type, SglDescriptorSubtype subtype) =>
        ((ulong)((((byte)type & 0xF) << 4) | ((byte)subtype & 0xF))) << 56;
}
