using System.Buffers.Binary;

namespace Harness.Transport.Nvme;

/// <summary>
/// RDMA_CM_REJECT private data (target → host in <c>rdma_reject</c>), 4 bytes little-endian as SPDK's
/// <c>struct spdk_nvmf_rdma_reject_private_data</c>: RECFMT u16 (0), STS u16 (<see cref="RdmaTransportError"/>).
/// SPDK's target sends exactly these 4 bytes; a peer may pad them (the CM often does).
/// </summary>
public readonly record struct RdmaCmReject
{
    /// <summary>Size on the wire.</summary>
    public const int Size = 4;

    /// <summary>Record format; only 0 is defined.</summary>
    public ushort Recfmt { get; init; }

    /// <summary>Why the target rejected the connection.</summary>
    public RdmaTransportError Status { get; init; }

    /// <summary>Writes the 4 bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than 4 bytes of room.</exception>
    public void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("RDMA CM reject private data has 4 bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt16LittleEndian(destination, Recfmt);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)Status);
    }

    /// <summary>
    /// Decodes the private data of a REJECTED event: fewer than 4 bytes is
    /// <see cref="RdmaTransportError.InvalidPrivateDataLength"/>; RECFMT not 0 is <see cref="RdmaTransportError.InvalidRecfmt"/>.
    /// The returned value is about the decoding; the target's reason is <see cref="Status"/>.
    /// </summary>
    public static RdmaTransportError TryDecode(ReadOnlySpan<byte> source, out RdmaCmReject reject)
    {
        if (source.Length < Size)
        {
            reject = default;
            return RdmaTransportError.InvalidPrivateDataLength;
        }

        reject = new RdmaCmReject
        {
            Recfmt = BinaryPrimitives.ReadUInt16LittleEndian(source),
            Status = (RdmaTransportError)BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
        };
        return reject.Recfmt != 0 ? RdmaTransportError.InvalidRecfmt : RdmaTransportError.None;
    }
}
