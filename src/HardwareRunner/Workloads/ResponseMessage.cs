using System.Buffers.Binary;

namespace Harness.HardwareRunner.Workloads;

/// <summary>The target's answer to a <see cref="RequestMessage"/>.</summary>
internal readonly record struct ResponseMessage(ushort Slot, uint Seq, ResponseStatus Status)
{
    public void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(b, WireFormat.ResponseMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(b[4..], Slot);
        BinaryPrimitives.WriteUInt16LittleEndian(b[6..], (ushort)Status);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], Seq);
        BinaryPrimitives.WriteUInt32LittleEndian(b[12..], 0);
    }

    public static bool TryRead(ReadOnlySpan<byte> b, out ResponseMessage message)
    {
        if (b.Length < WireFormat.ResponseBytes || BinaryPrimitives.ReadUInt32LittleEndian(b) != WireFormat.ResponseMagic)
        {
            message = default;
            return false;
        }

        message = new ResponseMessage(
            BinaryPrimitives.ReadUInt16LittleEndian(b[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[8..]),
            (ResponseStatus)BinaryPrimitives.ReadUInt16LittleEndian(b[6..]));
        return true;
    }
}
