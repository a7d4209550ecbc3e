using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Harness.Sim.Wire;

/// <summary>The CM messages the simulated CM exchanges (IBA vol. 1, 12.6), by their MAD attribute ID.</summary>
public enum CmMessageKind : ushort
{
    /// <summary>ConnectRequest.</summary>
    Req = 0x0010,

    /// <summary>ConnectReject.</summary>
    Rej = 0x0012,

    /// <summary>ConnectReply.</summary>
    Rep = 0x0013,

    /// <summary>ReadyToUse.</summary>
    Rtu = 0x0014,

    /// <summary>DisconnectRequest.</summary>
    Dreq = 0x0015,

    /// <summary>DisconnectReply.</summary>
    Drep = 0x0016,
}

/// <summary>The fields of one CM message; each kind uses the ones its layout has (IBA vol. 1, 12.6.5–12.6.11).</summary>
public struct CmMessage
{
    /// <summary>Which message.</summary>
    public CmMessageKind Kind;

    /// <summary>MAD transaction ID (a REP and RTU carry their REQ's, a DREP its DREQ's).</summary>
    public ulong TransactionId;

    /// <summary>The sender's communication ID.</summary>
    public uint LocalCommId;

    /// <summary>The receiver's communication ID (0 in a REQ).</summary>
    public uint RemoteCommId;

    /// <summary>REQ: the service ID (for rdma_cm over TCP port space: 0x0000000001060000 | port).</summary>
    public ulong ServiceId;

    /// <summary>REQ/REP: the sender's QPN; DREQ: the receiver's QPN.</summary>
    public uint Qpn;

    /// <summary>REQ/REP: the sender's starting PSN.</summary>
    public uint StartingPsn;

    /// <summary>REQ/REP: RDMA READs the sender accepts as responder.</summary>
    public byte ResponderResources;

    /// <summary>REQ/REP: RDMA READs the sender issues at once.</summary>
    public byte InitiatorDepth;

    /// <summary>REQ: transport retry count.</summary>
    public byte RetryCount;

    /// <summary>REQ/REP: RNR retry count.</summary>
    public byte RnrRetryCount;

    /// <summary>REQ: the path MTU code (5 = 4096).</summary>
    public byte PathMtu;

    /// <summary>REQ: the sender's (local port's) address; carried as a GID and in the IP CM header.</summary>
    public IPEndPoint? Source;

    /// <summary>REQ: the listener's address.</summary>
    public IPEndPoint? Destination;

    /// <summary>REP/REQ: the sender's CA GUID.</summary>
    public ulong CaGuid;

    /// <summary>REJ: reason code (e.g. 28 consumer reject, 8 invalid service ID, 10 stale connection, 1 timeout).</summary>
    public ushort RejectReason;

    /// <summary>REJ: which message is rejected (0 REQ, 1 REP, 2 other).</summary>
    public byte RejectedMessage;
}

/// <summary>Builds the 256-byte CM MADs (management class 0x07, class version 2, method Send).</summary>
public static class CmMad
{
    /// <summary>Bytes of a MAD.</summary>
    public const int MadBytes = 256;

    /// <summary>GSI Q_Key every CM MAD carries.</summary>
    public const uint GsiQkey = 0x80010000;

    /// <summary>The QP every CM MAD is sent from and to.</summary>
    public const uint GsiQpn = 1;

    /// <summary>Private data of a REQ (the IP CM header takes the first 36 bytes).</summary>
    public const int ReqPrivateDataBytes = 92;

    /// <summary>The rdma_cm IP CM header that opens a REQ's private data (IBA A11.6).</summary>
    public const int IpCmHeaderBytes = 36;

    private const int MadHeaderBytes = 24;
    private const byte ManagementClassCm = 0x07;
    private const byte CmClassVersion = 2;
    private const byte MethodSend = 0x03;
    private const byte CmResponseTimeout = 20; // rdma_cm's CMA_CM_RESPONSE_TIMEOUT
    private const byte MaxCmRetries = 15; // rdma_cm's CMA_MAX_CM_RETRIES
    private const byte LocalAckTimeout = 14;
    private const byte HopLimit = 64;

    /// <summary>Writes <paramref name="m"/> with <paramref name="privateData"/> (the ULP's, truncated to the message's room) into <paramref name="mad"/>.</summary>
    public static void Write(Span<byte> mad, in CmMessage m, ReadOnlySpan<byte> privateData)
    {
        if (mad.Length < MadBytes)
        {
            throw new ArgumentException($"a MAD needs {MadBytes} bytes", nameof(mad));
        }

        mad[..MadBytes].Clear();
        mad[0] = 1; // base version
        mad[1] = ManagementClassCm;
        mad[2] = CmClassVersion;
        mad[3] = MethodSend;
        BinaryPrimitives.WriteUInt64BigEndian(mad[8..], m.TransactionId);
        BinaryPrimitives.WriteUInt16BigEndian(mad[16..], (ushort)m.Kind);
        var cm = mad.Slice(MadHeaderBytes, MadBytes - MadHeaderBytes);
        BinaryPrimitives.WriteUInt32BigEndian(cm, m.LocalCommId);
        switch (m.Kind)
        {
            case CmMessageKind.Req:
                WriteReq(cm, m, privateData);
                break;
            case CmMessageKind.Rep:
                WriteRep(cm, m, privateData);
                break;
            case CmMessageKind.Rej:
                BinaryPrimitives.WriteUInt32BigEndian(cm[4..], m.RemoteCommId);
                cm[8] = (byte)(m.RejectedMessage << 6);
                BinaryPrimitives.WriteUInt16BigEndian(cm[10..], m.RejectReason);
                Fit(privateData, cm[84..]);
                break;
            case CmMessageKind.Dreq:
                BinaryPrimitives.WriteUInt32BigEndian(cm[4..], m.RemoteCommId);
                Write24(cm[8..], m.Qpn);
                Fit(privateData, cm[12..]);
                break;
            default: // RTU, DREP
                BinaryPrimitives.WriteUInt32BigEndian(cm[4..], m.RemoteCommId);
                Fit(privateData, cm[8..]);
                break;
        }
    }

    /// <summary>The rdma_cm service ID of TCP port <paramref name="port"/> (RDMA_PS_TCP).</summary>
    public static ulong ServiceIdOfTcpPort(int port) => 0x0000000001060000UL | (ushort)port;

    private static void WriteReq(Span<byte> cm, in CmMessage m, ReadOnlySpan<byte> privateData)
    {
        BinaryPrimitives.WriteUInt64BigEndian(cm[8..], m.ServiceId);
        BinaryPrimitives.WriteUInt64BigEndian(cm[16..], m.CaGuid);
        Write24(cm[32..], m.Qpn);
        cm[35] = m.ResponderResources;
        cm[39] = m.InitiatorDepth;
        cm[43] = (byte)((CmResponseTimeout << 3) | 0x01); // transport service RC (0), end-to-end flow control
        Write24(cm[44..], m.StartingPsn);
        cm[47] = (byte)((CmResponseTimeout << 3) | (m.RetryCount & 0x7));
        BinaryPrimitives.WriteUInt16BigEndian(cm[48..], RoceFrame.DefaultPkey);
        cm[50] = (byte)((m.PathMtu << 4) | (m.RnrRetryCount & 0x7));
        cm[51] = MaxCmRetries << 4;
        var path = cm[52..96];
        BinaryPrimitives.WriteUInt16BigEndian(path, 0xFFFF); // RoCE has no LIDs: the permissive LID
        BinaryPrimitives.WriteUInt16BigEndian(path[2..], 0xFFFF);
        WriteGid(path[4..20], m.Source!.Address);
        WriteGid(path[20..36], m.Destination!.Address);
        path[41] = HopLimit;
        path[43] = LocalAckTimeout << 3;
        var pd = cm[140..232];
        WriteIpCmHeader(pd, m.Source, m.Destination);
        Fit(privateData, pd[IpCmHeaderBytes..]);
    }

    private static void WriteRep(Span<byte> cm, in CmMessage m, ReadOnlySpan<byte> privateData)
    {
        BinaryPrimitives.WriteUInt32BigEndian(cm[4..], m.RemoteCommId);
        Write24(cm[12..], m.Qpn);
        Write24(cm[20..], m.StartingPsn);
        cm[24] = m.ResponderResources;
        cm[25] = m.InitiatorDepth;
        cm[26] = (byte)((LocalAckTimeout << 3) | 0x01); // target ACK delay, end-to-end flow control
        cm[27] = (byte)((m.RnrRetryCount & 0x7) << 5);
        BinaryPrimitives.WriteUInt64BigEndian(cm[28..], m.CaGuid);
        Fit(privateData, cm[36..]);
    }

    private static void WriteIpCmHeader(Span<byte> header, IPEndPoint source, IPEndPoint destination)
    {
        var v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        header[1] = v6 ? (byte)0x60 : (byte)0x40;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)source.Port);
        WriteCmaAddress(header[4..20], source.Address);
        WriteCmaAddress(header[20..36], destination.Address);
    }

    /// <summary>rdma_cm's cma_ip_addr: IPv6 in full, IPv4 in the last four bytes.</summary>
    private static void WriteCmaAddress(Span<byte> at, IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            address.TryWriteBytes(at, out _);
            return;
        }

        address.TryWriteBytes(at[12..], out _);
    }

    /// <summary>A RoCEv2 GID: the IPv6 address, or the IPv4-mapped one (::ffff:a.b.c.d).</summary>
    private static void WriteGid(Span<byte> at, IPAddress address)
    {
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6 ? address : address.MapToIPv6();
        v6.TryWriteBytes(at, out _);
    }

    private static void Write24(Span<byte> at, uint value)
    {
        at[0] = (byte)(value >> 16);
        at[1] = (byte)(value >> 8);
        at[2] = (byte)value;
    }

    private static void Fit(ReadOnlySpan<byte> data, Span<byte> room) => data[..Math.Min(data.Length, room.Length)].CopyTo(room);
}
