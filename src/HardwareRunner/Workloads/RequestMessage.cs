using System.Buffers.Binary;

namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// "I wrote <see cref="Length"/> bytes into <see cref="Block"/>; their XxHash3 is <see cref="Checksum"/>": the SEND that
/// follows each RDMA WRITE. The target checks the bytes it holds against the checksum and answers.
/// </summary>
internal readonly record struct RequestMessage(ushort Slot, uint Seq, uint Block, uint Length, ulong Checksum)
{
    public void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(b, WireFormat.RequestMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(b[4..], Slot);
        BinaryPrimitives.WriteUInt16LittleEndian(b[6..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], Seq);
        BinaryPrimitives.WriteUInt32LittleEndian(b[12..], Block);
        BinaryPrimitives.WriteUInt32LittleEndian(b[16..], Length);
        BinaryPrimitives.WriteUInt32LittleEndian(b[20..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(b[24..], Checksum);
    }

    public static bool TryRead(ReadOnlySpan<byte> b, out RequestMessage message)
    {
        if (b.Length < WireFormat.RequestBytes || BinaryPrimitives.ReadUInt32LittleEndian(b) != WireFormat.RequestMagic)
        {
            message = default;
            return false;
        }

        message = new RequestMessage(
            BinaryPrimitives.ReadUInt16LittleEndian(b[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[12..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(b[24..]));
        return true;
    }
}
