using System.Buffers.Binary;

namespace Harness.Transport.Nvme;

/// <summary>
/// RDMA_CM_REQUEST private data of the NVMe-oF RDMA binding (host → target in <c>rdma_connect</c>), 32 bytes
/// little-endian as SPDK's <c>struct spdk_nvmf_rdma_request_private_data</c>: RECFMT u16 (0), QID u16,
/// HRQSIZE u16, HSQSIZE u16, CNTLID u16, 22 reserved.
/// </summary>
/// <remarks>
/// SPDK's host sends HRQSIZE = entries + 1 and HSQSIZE = entries; its target uses min(HRQSIZE, HSQSIZE + 1).
/// </remarks>
public readonly record struct RdmaCmRequest
{
    /// <summary>Size on the wire.</summary>
    public const int Size = 32;

    /// <summary>Record format; only 0 is defined.</summary>
    public ushort Recfmt { get; init; }

    /// <summary>Queue ID (0 admin).</summary>
    public ushort Qid { get; init; }

    /// <summary>Host receive queue size.</summary>
    public ushort Hrqsize { get; init; }

    /// <summary>Host send queue size (0's based per the binding).</summary>
    public ushort Hsqsize { get; init; }

    /// <summary>Controller ID (SPDK's host passes its controller's CNTLID).</summary>
    public ushort Cntlid { get; init; }

    /// <summary>Writes the 32 bytes (reserved bytes zero).</summary>
    /// <exception cref="ArgumentException">Fewer than 32 bytes of room.</exception>
    public void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("RDMA CM request private data has 32 bytes.", nameof(destination));
        }

        var d = destination[..Size];
        d.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(d, Recfmt);
        BinaryPrimitives.WriteUInt16LittleEndian(d[2..], Qid);
        BinaryPrimitives.WriteUInt16LittleEndian(d[4..], Hrqsize);
        BinaryPrimitives.WriteUInt16LittleEndian(d[6..], Hsqsize);
        BinaryPrimitives.WriteUInt16LittleEndian(d[8..], Cntlid);
    }

    /// <summary>
    /// Decodes the private data of a CONNECT_REQUEST as SPDK's target checks it: fewer than 32 bytes (the CM may
    /// deliver more) is <see cref="RdmaTransportError.InvalidPrivateDataLength"/>; RECFMT not 0 is
    /// <see cref="RdmaTransportError.InvalidRecfmt"/> (with <paramref name="request"/> filled in).
    /// </summary>
    public static RdmaTransportError TryDecode(ReadOnlySpan<byte> source, out RdmaCmRequest request)
    {
        if (source.Length < Size)
        {
            request = default;
            return RdmaTransportError.InvalidPrivateDataLength;
        }

        request = new RdmaCmRequest
        {
            Recfmt = BinaryPrimitives.ReadUInt16LittleEndian(source),
            Qid = BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
            Hrqsize = BinaryPrimitives.ReadUInt16LittleEndian(source[4..]),
            Hsqsize = BinaryPrimitives.ReadUInt16LittleEndian(source[6..]),
            Cntlid = BinaryPrimitives.ReadUInt16LittleEndian(source[8..]),
        };
        return request.Recfmt != 0 ? RdmaTransportError.InvalidRecfmt : RdmaTransportError.None;
    }
}
