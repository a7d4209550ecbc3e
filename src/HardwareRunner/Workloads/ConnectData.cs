using System.Buffers.Binary;

namespace Harness.HardwareRunner.Workloads;

/// <summary>The host's rdma_connect private data: which qpair this is and what it needs from the target.</summary>
internal readonly record struct ConnectData(ushort Qpair, ushort QueueDepth, uint IoSize, uint Blocks)
{
    public byte[] ToBytes()
    {
        var b = new byte[WireFormat.ConnectBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(b, WireFormat.ConnectMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), Qpair);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6), QueueDepth);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), IoSize);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), Blocks);
        return b;
    }

    public static bool TryRead(ReadOnlySpan<byte> b, out ConnectData data)
    {
        if (b.Length < WireFormat.ConnectBytes || BinaryPrimitives.ReadUInt32LittleEndian(b) != WireFormat.ConnectMagic)
        {
            data = default;
            return false;
        }

        data = new ConnectData(
            BinaryPrimitives.ReadUInt16LittleEndian(b[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(b[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[12..]));
        return true;
    }
}
