using System.Buffers.Binary;
using System.IO.Hashing;
using System.Net.Sockets;

namespace Harness.Sim.Wire;

/// <summary>
/// Lays out a RoCEv2 frame (Ethernet, IPv4 or IPv6, UDP to port 4791, BTH, extension headers, payload, pad, ICRC) as
/// the IBA's RoCEv2 annex (A17) defines it. The ICRC is computed over the masked IP/UDP/BTH fields as the annex says
/// (A17.8), so a tool that checks it accepts the frame.
/// </summary>
public static class RoceFrame
{
    /// <summary>UDP destination port of RoCEv2.</summary>
    public const ushort RoceV2Port = 4791;

    /// <summary>Default P_Key (full membership, default partition).</summary>
    public const ushort DefaultPkey = 0xFFFF;

    private const int EthernetBytes = 14;
    private const int Ipv4Bytes = 20;
    private const int Ipv6Bytes = 40;
    private const int UdpBytes = 8;
    private const int BthBytes = 12;
    private const int RethBytes = 16;
    private const int AethBytes = 4;
    private const int DethBytes = 8;
    private const int ImmediateBytes = 4;
    private const int IcrcBytes = 4;
    private const int IpTtl = 64;

    /// <summary>Bytes of the largest header stack (IPv6, UDP, BTH, DETH/RETH, AETH/ImmDt, ICRC) plus the Ethernet header.</summary>
    public const int HeaderBytesMax = EthernetBytes + Ipv6Bytes + UdpBytes + BthBytes + RethBytes + AethBytes + ImmediateBytes + IcrcBytes;

    /// <summary>Bytes of the whole frame for <paramref name="packet"/> with <paramref name="payloadBytes"/> of payload.</summary>
    public static int FrameBytes(in RocePacket packet, int payloadBytes) =>
        EthernetBytes + IpBytes(packet) + UdpBytes + TransportBytes(packet.Opcode) + Padded(payloadBytes) + IcrcBytes;

    /// <summary>Writes the frame into <paramref name="frame"/> (at least <see cref="FrameBytes"/> long); returns its length.</summary>
    public static int Write(Span<byte> frame, in RocePacket packet, ReadOnlySpan<byte> payload, Crc32 crc)
    {
        var length = FrameBytes(packet, payload.Length);
        if (frame.Length < length)
        {
            throw new ArgumentException($"frame buffer of {frame.Length} bytes, {length} needed", nameof(frame));
        }

        frame[..length].Clear();
        var ip = EthernetBytes;
        var udp = ip + IpBytes(packet);
        var bth = udp + UdpBytes;
        var icrc = length - IcrcBytes;
        WriteEthernet(frame, packet);
        WriteIp(frame[ip..udp], packet, length - ip);
        WriteUdp(frame.Slice(udp, UdpBytes), packet, length - udp);
        var payloadAt = WriteTransport(frame[bth..], packet, payload.Length);
        payload.CopyTo(frame[(bth + payloadAt)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[icrc..], Icrc(frame[ip..icrc], udp - ip, crc));
        return length;
    }

    private static int IpBytes(in RocePacket packet) =>
        packet.Source.AddressFamily == AddressFamily.InterNetworkV6 ? Ipv6Bytes : Ipv4Bytes;

    private static int Padded(int bytes) => (bytes + 3) & ~3;

    private static int TransportBytes(RoceOpcode op) =>
        BthBytes + (op.HasDeth() ? DethBytes : 0) + (op.HasReth() ? RethBytes : 0) + (op.HasAeth() ? AethBytes : 0) +
        (op.HasImmediate() || op.HasIeth() ? ImmediateBytes : 0);

    private static void WriteEthernet(Span<byte> frame, in RocePacket packet)
    {
        WriteMac(frame, packet.DestinationMac);
        WriteMac(frame[6..], packet.SourceMac);
        var v6 = packet.Source.AddressFamily == AddressFamily.InterNetworkV6;
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], v6 ? (ushort)0x86DD : (ushort)0x0800);
    }

    private static void WriteMac(Span<byte> at, ulong mac)
    {
        for (var i = 0; i < 6; i++)
        {
            at[i] = (byte)(mac >> (8 * (5 - i)));
        }
    }

    private static void WriteIp(Span<byte> ip, in RocePacket packet, int ipLength)
    {
        if (ip.Length == Ipv6Bytes)
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(ipLength - Ipv6Bytes));
            ip[6] = 17; // UDP
            ip[7] = IpTtl;
            packet.Source.TryWriteBytes(ip[8..24], out _);
            packet.Destination.TryWriteBytes(ip[24..40], out _);
            return;
        }

        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)ipLength);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000); // don't fragment, as RoCE NICs send
        ip[8] = IpTtl;
        ip[9] = 17; // UDP
        packet.Source.TryWriteBytes(ip[12..16], out _);
        packet.Destination.TryWriteBytes(ip[16..20], out _);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Ipv4Checksum(ip));
    }

    private static ushort Ipv4Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (var i = 0; i < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static void WriteUdp(Span<byte> udp, in RocePacket packet, int udpLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(udp, packet.UdpSourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], RoceV2Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        // Checksum 0: RoCEv2 senders leave it unset over IPv4 (A17.4.3.1); the ICRC protects the packet.
    }

    /// <summary>Writes BTH and extension headers; returns the payload's offset from the BTH.</summary>
    private static int WriteTransport(Span<byte> t, in RocePacket packet, int payloadBytes)
    {
        var pad = Padded(payloadBytes) - payloadBytes;
        t[0] = (byte)packet.Opcode;
        t[1] = (byte)((packet.SolicitedEvent ? 0x80 : 0) | (pad << 4)); // SE, MigReq 0, PadCnt, TVer 0
        BinaryPrimitives.WriteUInt16BigEndian(t[2..], DefaultPkey);
        BinaryPrimitives.WriteUInt32BigEndian(t[4..], packet.DestinationQp & 0xFFFFFF);
        BinaryPrimitives.WriteUInt32BigEndian(t[8..], (packet.AckRequest ? 0x80000000u : 0) | (packet.Psn & 0xFFFFFF));
        var at = BthBytes;
        if (packet.Opcode.HasDeth())
        {
            BinaryPrimitives.WriteUInt32BigEndian(t[at..], packet.Qkey);
            BinaryPrimitives.WriteUInt32BigEndian(t[(at + 4)..], packet.SourceQp & 0xFFFFFF);
            at += DethBytes;
        }

        if (packet.Opcode.HasReth())
        {
            BinaryPrimitives.WriteUInt64BigEndian(t[at..], packet.RemoteAddress);
            BinaryPrimitives.WriteUInt32BigEndian(t[(at + 8)..], packet.Rkey);
            BinaryPrimitives.WriteUInt32BigEndian(t[(at + 12)..], packet.DmaLength);
            at += RethBytes;
        }

        if (packet.Opcode.HasAeth())
        {
            BinaryPrimitives.WriteUInt32BigEndian(t[at..], ((uint)packet.Syndrome << 24) | (packet.Msn & 0xFFFFFF));
            at += AethBytes;
        }

        if (packet.Opcode.HasImmediate() || packet.Opcode.HasIeth())
        {
            BinaryPrimitives.WriteUInt32BigEndian(t[at..], packet.ImmediateOrRkey);
            at += ImmediateBytes;
        }

        return at;
    }

    /// <summary>
    /// The invariant CRC (A17.8.1): CRC-32 over 64 bits of ones, then the IP, UDP and transport headers and payload with
    /// the fields routers may change set to ones (IPv4 TOS, TTL, checksum; IPv6 traffic class, flow label, hop limit;
    /// UDP checksum; the BTH's reserved byte), sent least significant byte first as the NIC's CRC engine emits it.
    /// </summary>
    private static uint Icrc(ReadOnlySpan<byte> ipToPad, int ipBytes, Crc32 crc)
    {
        Span<byte> head = stackalloc byte[8 + Ipv6Bytes + UdpBytes + BthBytes];
        var headBytes = 8 + ipBytes + UdpBytes + BthBytes;
        head[..8].Fill(0xFF);
        ipToPad[..(ipBytes + UdpBytes + BthBytes)].CopyTo(head[8..]);
        var ip = head.Slice(8, ipBytes);
        if (ipBytes == Ipv6Bytes)
        {
            ip[0] |= 0x0F;
            ip[1] = ip[2] = ip[3] = 0xFF;
            ip[7] = 0xFF;
        }
        else
        {
            ip[1] = 0xFF;
            ip[8] = 0xFF;
            ip[10] = ip[11] = 0xFF;
        }

        var udp = head.Slice(8 + ipBytes, UdpBytes);
        udp[6] = udp[7] = 0xFF;
        head[8 + ipBytes + UdpBytes + 4] = 0xFF; // BTH resv8a
        crc.Reset();
        crc.Append(head[..headBytes]);
        crc.Append(ipToPad[(ipBytes + UdpBytes + BthBytes)..]);
        return crc.GetCurrentHashAsUInt32();
    }
}
