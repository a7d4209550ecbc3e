using System.Net;

namespace Harness.Sim.Wire;

/// <summary>
/// One RoCEv2 packet's header fields, as <see cref="RoceFrame"/> lays them out: the addresses of the Ethernet, IP and
/// UDP headers, the BTH, and whichever extension header the opcode carries (the others are ignored).
/// </summary>
public struct RocePacket
{
    /// <summary>The sending port's IP address (IPv4 or IPv6; both ends the same family).</summary>
    public IPAddress Source;

    /// <summary>The receiving port's IP address.</summary>
    public IPAddress Destination;

    /// <summary>The sending port's MAC address (low 48 bits).</summary>
    public ulong SourceMac;

    /// <summary>The receiving port's MAC address (low 48 bits).</summary>
    public ulong DestinationMac;

    /// <summary>UDP source port: RoCEv2 uses it for flow entropy, the destination port is always 4791.</summary>
    public ushort UdpSourcePort;

    /// <summary>BTH opcode.</summary>
    public RoceOpcode Opcode;

    /// <summary>BTH SE bit: the receiver's CQ is to raise a solicited event.</summary>
    public bool SolicitedEvent;

    /// <summary>BTH A bit: the requester asks for an acknowledgement of this packet.</summary>
    public bool AckRequest;

    /// <summary>BTH destination QP (24 bits).</summary>
    public uint DestinationQp;

    /// <summary>BTH packet sequence number (24 bits).</summary>
    public uint Psn;

    /// <summary>RETH virtual address.</summary>
    public ulong RemoteAddress;

    /// <summary>RETH R_Key.</summary>
    public uint Rkey;

    /// <summary>RETH DMA length: the whole transfer's, not this packet's.</summary>
    public uint DmaLength;

    /// <summary>AETH syndrome (<see cref="AethSyndrome"/>).</summary>
    public byte Syndrome;

    /// <summary>AETH message sequence number (24 bits).</summary>
    public uint Msn;

    /// <summary>DETH Q_Key.</summary>
    public uint Qkey;

    /// <summary>DETH source QP (24 bits).</summary>
    public uint SourceQp;

    /// <summary>Immediate data, or the IETH's R_Key to invalidate.</summary>
    public uint ImmediateOrRkey;
}

/// <summary>AETH syndromes (IBA vol. 1, 9.7.5.1.1 and table 42).</summary>
public static class AethSyndrome
{
    /// <summary>ACK with "no credit information" (the credit field all ones), as a responder with an SRQ reports.</summary>
    public const byte Ack = 0x1F;

    /// <summary>RNR NAK; the low 5 bits are the responder's minimum RNR NAK timer.</summary>
    public const byte RnrNak = 0x20;

    /// <summary>NAK: PSN sequence error (a packet after a missing one).</summary>
    public const byte NakPsnSequenceError = 0x60;

    /// <summary>NAK: invalid request (e.g. a SEND longer than the receive buffer).</summary>
    public const byte NakInvalidRequest = 0x61;

    /// <summary>NAK: remote access error (R_Key, bounds or access rights).</summary>
    public const byte NakRemoteAccessError = 0x62;

    /// <summary>NAK: remote operational error.</summary>
    public const byte NakRemoteOperationalError = 0x63;
}
