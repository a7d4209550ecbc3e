using System.Buffers.Binary;

namespace Harness.Transport.Nvme;

/// <summary>
/// RDMA_CM_ACCEPT private data (target → host in <c>rdma_accept</c>), 32 bytes little-endian as SPDK's
/// <c>struct spdk_nvmf_rdma_accept_private_data</c>: RECFMT u16 (0), CRQSIZE u16 (controller receive queue size), 28 reserved.
/// </summary>
public readonly record struct RdmaCmAccept
{
    /// <summary>Size on the wire.</summary>
    public const int Size = 32;

    /// <summary>Record format; only 0 is defined.</summary>
    public ushort Recfmt { get; init; }

    /// <summary>Controller receive queue size: the depth the target granted.</summary>
    public ushort Crqsize { get; init; }

    /// <summary>Writes the 32 bytes (reserved bytes zero).</summary>
    /// <exception cref="ArgumentException">Fewer than 32 bytes of room.</exception>
    public void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("RDMA CM accept private data has 32 bytes.", nameof(destination));
        }

        var d = destination[..Size];
        d.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(d, Recfmt);
        BinaryPrimitives.WriteUInt16LittleEndian(d[2..], Crqsize);
    }

    /// <summary>
    /// Decodes the private data of an ESTABLISHED event: fewer than 32 bytes is
    /// <see cref="RdmaTransportError.InvalidPrivateDataLength"/>; RECFMT not 0 is <see cref="RdmaTransportError.InvalidRecfmt"/>.
    /// </summary>
    public static RdmaTransportError TryDecode(ReadOnlySpan<byte> source, out RdmaCmAccept accept)
    {
        if (source.Length < Size)
        {
            accept = default;
            return RdmaTransportError.InvalidPrivateDataLength;
        }

        accept = new RdmaCmAccept
        {
            Recfmt = BinaryPrimitives.ReadUInt16LittleEndian(source),
            Crqsize = BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
        };
        return accept.Recfmt != 0 ? RdmaTransportError.InvalidRecfmt : RdmaTransportError.None;
    }
}
