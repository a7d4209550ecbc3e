using System.Buffers.Binary;

namespace Harness.HardwareRunner.Workloads;

/// <summary>The target's rdma_accept private data: where the qpair's region of target memory is and its rkey.</summary>
internal readonly record struct AcceptData(ulong Address, uint Rkey, ulong Length)
{
    public byte[] ToBytes()
    {
        var b = new byte[WireFormat.AcceptBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(b, WireFormat.AcceptMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), Rkey);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), Address);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(16), Length);
        return b;
    }

    public static bool TryRead(ReadOnlySpan<byte> b, out AcceptData data)
    {
        if (b.Length < WireFormat.AcceptBytes || BinaryPrimitives.ReadUInt32LittleEndian(b) != WireFormat.AcceptMagic)
        {
            data = default;
            return false;
        }

        data = new AcceptData(
            BinaryPrimitives.ReadUInt64LittleEndian(b[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(b[16..]));
        return true;
    }
}
