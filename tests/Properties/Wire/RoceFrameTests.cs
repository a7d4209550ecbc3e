using System.Buffers.Binary;
using System.IO.Hashing;
using System.Net;
using Harness.Sim.Wire;

namespace Harness.Tests.Properties.Wire;

/// <summary>
/// The RoCEv2 frame layout and its invariant CRC, checked against the spec's rules written out independently here:
/// the ICRC is CRC-32 over 64 bits of ones, the IP/UDP/BTH headers with the variant fields set to ones, and the rest of
/// the packet (IBA A17.8.1), computed bit by bit rather than with the library the writer uses.
/// </summary>
public sealed class RoceFrameTests
{
    [Fact]
    public void The_icrc_covers_the_masked_headers_and_the_payload_as_the_roce_annex_says()
    {
        var packet = Packet(RoceOpcode.SendOnly);
        var payload = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var frame = new byte[RoceFrame.FrameBytes(packet, payload.Length)];
        var length = RoceFrame.Write(frame, packet, payload, new Crc32());
        Assert.Equal(frame.Length, length);

        var masked = frame[14..^4].ToArray();
        masked[1] = 0xFF; // IPv4 TOS
        masked[8] = 0xFF; // TTL
        masked[10] = masked[11] = 0xFF; // header checksum
        masked[26] = masked[27] = 0xFF; // UDP checksum
        masked[32] = 0xFF; // BTH resv8a
        var expected = BitwiseCrc32([.. Enumerable.Repeat((byte)0xFF, 8), .. masked]);
        Assert.Equal(expected, BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(length - 4)));

        frame[14 + 8] = 17; // a router lowered the TTL: the ICRC still holds (the field is masked) ...
        Assert.Equal(expected, BitwiseCrc32([.. Enumerable.Repeat((byte)0xFF, 8), .. Masked(frame)]));
        frame[^5] ^= 0x80; // ... a payload bit flipped: it does not
        Assert.NotEqual(expected, BitwiseCrc32([.. Enumerable.Repeat((byte)0xFF, 8), .. Masked(frame)]));
    }

    [Fact]
    public void Each_opcode_carries_the_extension_headers_of_table_38_and_a_padded_payload()
    {
        var read = Packet(RoceOpcode.RdmaReadRequest);
        read.RemoteAddress = 0x1122334455667788;
        read.Rkey = 0xAABBCCDD;
        read.DmaLength = 8192;
        var frame = new byte[RoceFrame.FrameBytes(read, 0)];
        RoceFrame.Write(frame, read, ReadOnlySpan<byte>.Empty, new Crc32());
        Assert.Equal(14 + 20 + 8 + 12 + 16 + 4, frame.Length); // BTH + RETH, no payload
        Assert.Equal(0x1122334455667788UL, BinaryPrimitives.ReadUInt64BigEndian(frame.AsSpan(54)));
        Assert.Equal(0xAABBCCDDu, BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(62)));
        Assert.Equal(8192u, BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(66)));

        var ack = Packet(RoceOpcode.Acknowledge);
        ack.Syndrome = AethSyndrome.NakRemoteAccessError;
        ack.Msn = 0x123456;
        frame = new byte[RoceFrame.FrameBytes(ack, 0)];
        RoceFrame.Write(frame, ack, ReadOnlySpan<byte>.Empty, new Crc32());
        Assert.Equal(0x62123456u, BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(54)));

        var send = Packet(RoceOpcode.SendOnly);
        frame = new byte[RoceFrame.FrameBytes(send, 13)];
        RoceFrame.Write(frame, send, new byte[13], new Crc32());
        Assert.Equal(14 + 20 + 8 + 12 + 16 + 4, frame.Length); // 13 bytes padded to 16
        Assert.Equal(3, (frame[43] >> 4) & 0x3); // BTH PadCnt
        Assert.Equal(frame.Length - 14, BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(16))); // IPv4 total length
        Assert.Equal(4791, BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(36)));
    }

    private static RocePacket Packet(RoceOpcode op) => new()
    {
        Source = IPAddress.Parse("192.0.2.2"),
        Destination = IPAddress.Parse("192.0.2.1"),
        SourceMac = 0x020000000002,
        DestinationMac = 0x020000000001,
        UdpSourcePort = 0xC123,
        Opcode = op,
        DestinationQp = 0x000101,
        Psn = 0x00ABCDEF,
        AckRequest = true,
    };

    private static byte[] Masked(byte[] frame)
    {
        var m = frame[14..^4].ToArray();
        m[1] = 0xFF;
        m[8] = 0xFF;
        m[10] = m[11] = 0xFF;
        m[26] = m[27] = 0xFF;
        m[32] = 0xFF;
        return m;
    }

    /// <summary>CRC-32 (IEEE 802.3, reflected, init and final XOR all ones), one bit at a time.</summary>
    private static uint BitwiseCrc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
