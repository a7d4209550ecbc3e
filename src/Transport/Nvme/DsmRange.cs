using System.Buffers.Binary;

namespace Harness.Transport.Nvme;

/// <summary>
/// One 16-byte Dataset Management range (SPDK <c>struct spdk_nvme_dsm_range</c>): context attributes u32,
/// length in logical blocks u32 (not 0's based), starting LBA u64.
/// </summary>
public readonly record struct DsmRange
{
    /// <summary>Size of a range on the wire.</summary>
    public const int Size = 16;

    /// <summary>Context attributes (access frequency/latency, sequential hints, command access size).</summary>
    public uint ContextAttributes { get; init; }

    /// <summary>Length in logical blocks.</summary>
    public uint LengthInBlocks { get; init; }

    /// <summary>Starting LBA.</summary>
    public ulong StartingLba { get; init; }

    /// <summary>Writes the 16 bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than 16 bytes of room.</exception>
    public void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("A DSM range has 16 bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(destination, ContextAttributes);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], LengthInBlocks);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], StartingLba);
    }

    /// <summary>Decodes 16 bytes; fewer give <see cref="NvmeStatus.InvalidField"/>.</summary>
    public static NvmeStatus TryDecode(ReadOnlySpan<byte> source, out DsmRange range)
    {
        if (source.Length < Size)
        {
            range = default;
            return NvmeStatus.InvalidField;
        }

        range = new DsmRange
        {
            ContextAttributes = BinaryPrimitives.ReadUInt32LittleEndian(source),
            LengthInBlocks = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
            StartingLba = BinaryPrimitives.ReadUInt64LittleEndian(source[8..]),
        };
        return NvmeStatus.Success;
    }

    /// <summary>
    /// Decodes <paramref name="count"/> ranges from a Dataset Management data buffer into <paramref name="destination"/>.
    /// A buffer shorter than 16 × count is <see cref="NvmeStatus.DataSglLengthInvalid"/>; a count outside
    /// 1..destination length is <see cref="NvmeStatus.InvalidField"/>.
    /// </summary>
    public static NvmeStatus TryDecodeList(ReadOnlySpan<byte> source, int count, Span<DsmRange> destination)
    {
        if (count < 1 || count > destination.Length || count > 256)
        {
            return NvmeStatus.InvalidField;
        }

        if (source.Length < count * Size)
        {
            return NvmeStatus.DataSglLengthInvalid;
        }

        for (var i = 0; i < count; i++)
        {
            TryDecode(source.Slice(i * Size, Size), out destination[i]);
        }

        return NvmeStatus.Success;
    }
}
