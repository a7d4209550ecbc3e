using System.IO.Hashing;
using Harness.Sim.Fabric;
using Harness.Sim.Files;
using Harness.Sim.Nic;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.Sim.Wire;

/// <summary>
/// The simulated fabric's traffic as RoCEv2 frames, as a capture on a mirror port of the switch would show it: every
/// transmission of every RC packet (a lost one and its retransmissions with the same PSN), the responder's ACKs, NAKs
/// and READ responses, and the CM's MADs on QP1 (REQ with the rdma_cm IP header and the NVMe-oF private data, REP, RTU,
/// REJ, DREQ, DREP), stamped with virtual time. Attached with <see cref="SimFabric.Capture"/>; when none is attached the
/// simulator pays one null check per packet. Frames are kept in memory and written by <see cref="Save"/> in time order
/// (a frame the simulator decides ahead of its time, such as a REJ from a CM that never told the application, is placed
/// at its own time). Beyond <see cref="CaptureBytesMax"/> frames keep only their first <see cref="TruncatedFrameBytes"/>
/// bytes, as a capture with a snapshot length does.
/// </summary>
public sealed class WireCapture
{
    /// <summary>Bytes of frames kept whole; later frames are truncated.</summary>
    public const long CaptureBytesMax = 512L << 20;

    /// <summary>Bytes a truncated frame keeps: every header and the start of the payload (an NVMe-oF capsule's SQE).</summary>
    public const int TruncatedFrameBytes = 192;

    /// <summary>Frames one capture holds.</summary>
    public const int FramesMax = 50_000_000;

    private const int MtuBytesMax = 4096;

    private readonly MemoryStream _bytes = new();
    private readonly List<FrameRecord> _frames = new();
    private readonly Crc32 _crc = new();
    private readonly byte[] _frame = new byte[RoceFrame.HeaderBytesMax + MtuBytesMax];
    private readonly Dictionary<(string Host, uint Qpn), uint> _msn = new();
    private readonly Dictionary<string, uint> _gsiPsn = new();
    private byte[] _payload = new byte[MtuBytesMax];
    private readonly List<WireCapsule> _capsules = new();
    private int[] _frameNumbers = Array.Empty<int>();
    private long _sequence;

    /// <summary>Frames captured so far.</summary>
    public int Frames => _frames.Count;

    /// <summary>Frames kept only in part (see <see cref="CaptureBytesMax"/>).</summary>
    public int TruncatedFrames { get; private set; }

    /// <summary>Frames not kept at all: beyond <see cref="FramesMax"/>.</summary>
    public long DroppedFrames { get; private set; }

    /// <summary>
    /// The NVMe-oF capsules of the captured SENDs as the harness's own decoders read them (a command from 64 bytes up, a
    /// completion from exactly 16), in capture order; <see cref="WireCapsule.Frame"/> is set by <see cref="Save"/>. This is
    /// the harness's side of a comparison with an independent decoder of the same frames (Wireshark's).
    /// </summary>
    public IReadOnlyList<WireCapsule> Capsules => _capsules;

    /// <summary>The pcap frame number (1-based) of the <paramref name="captureIndex"/>-th frame captured, as the last <see cref="Save"/> wrote it.</summary>
    public int FrameNumber(int captureIndex) => _frameNumbers[captureIndex];

    /// <summary>Writes the capture as a pcap file (nanosecond timestamps), whole or not at all.</summary>
    public void Save(string path)
    {
        var order = new int[_frames.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => _frames[a].TimeNs != _frames[b].TimeNs ? _frames[a].TimeNs.CompareTo(_frames[b].TimeNs) : a.CompareTo(b));
        _frameNumbers = new int[order.Length];
        for (var n = 0; n < order.Length; n++)
        {
            _frameNumbers[order[n]] = n + 1;
        }

        for (var c = 0; c < _capsules.Count; c++)
        {
            _capsules[c] = _capsules[c] with { Frame = _frameNumbers[_capsules[c].CaptureIndex] };
        }

        var all = _bytes.GetBuffer();
        OutputFile.Write(path, output =>
        {
            PcapFile.WriteHeader(output);
            foreach (var i in order)
            {
                var f = _frames[i];
                PcapFile.WriteRecord(output, f.TimeNs, all.AsSpan((int)f.Offset, f.KeptBytes), f.OriginalBytes);
            }
        });
    }

    /// <summary>The requester puts a send-queue WR on the wire (its first transmission, or a <paramref name="retransmission"/>).</summary>
    internal void Request(SimQp qp, in SendWorkRequest wr, ReadOnlySpan<byte> inline, uint firstPsn, bool retransmission)
    {
        var peer = PeerHost(qp);
        if (peer == null)
        {
            return; // addressed to no port of the fabric: a switch would drop it unseen
        }

        var packet = Rc(qp.Device.Host, peer, qp.QpNum, qp.Attributes.DestQpNum);
        var length = (int)wr.TotalLength();
        if (wr.Opcode == WrOpcode.RdmaRead)
        {
            packet.Opcode = RoceOpcode.RdmaReadRequest;
            packet.Psn = firstPsn;
            packet.AckRequest = true;
            SetReth(ref packet, wr, length);
            Add(qp.Device.Host.World.NowNs, packet, ReadOnlySpan<byte>.Empty);
            return;
        }

        var payload = Gather(qp.Device, wr, inline, length);
        var mtu = MtuBytes(qp);
        var packets = PacketCount(length, mtu);
        for (var i = 0; i < packets; i++)
        {
            packet.Opcode = RequestOpcode(wr.Opcode, i, packets);
            packet.Psn = (firstPsn + (uint)i) & 0xFFFFFF;
            packet.AckRequest = i == packets - 1;
            packet.SolicitedEvent = i == packets - 1 && (wr.Flags & SendFlags.Solicited) != 0;
            SetReth(ref packet, wr, length);
            packet.ImmediateOrRkey = wr.InvalidateRkeyOrImm;
            var chunk = payload.Slice(i * mtu, Math.Min(mtu, length - (i * mtu)));
            if (i == 0 && !retransmission && wr.Opcode is WrOpcode.Send or WrOpcode.SendWithInv or WrOpcode.SendWithImm)
            {
                NoteCapsule(payload);
            }

            Add(qp.Device.Host.World.NowNs, packet, chunk);
        }
    }

    /// <summary>The responder acknowledges (or NAKs, by <paramref name="syndrome"/>) the request ending at <paramref name="psn"/>.</summary>
    internal void Acknowledge(SimQp responder, SimQp requester, uint psn, byte syndrome)
    {
        var packet = Rc(responder.Device.Host, requester.Device.Host, responder.QpNum, requester.QpNum);
        packet.Opcode = RoceOpcode.Acknowledge;
        packet.Psn = psn & 0xFFFFFF;
        packet.Syndrome = syndrome;
        packet.Msn = syndrome == AethSyndrome.Ack ? NextMsn(responder) : CurrentMsn(responder);
        Add(responder.Device.Host.World.NowNs, packet, ReadOnlySpan<byte>.Empty);
    }

    /// <summary>The responder answers an RDMA READ; the data is what the requester's SGEs now hold.</summary>
    internal void ReadResponse(SimQp responder, SimQp requester, in SendWorkRequest wr, uint firstPsn)
    {
        var packet = Rc(responder.Device.Host, requester.Device.Host, responder.QpNum, requester.QpNum);
        var length = (int)wr.TotalLength();
        var payload = Gather(requester.Device, wr, ReadOnlySpan<byte>.Empty, length);
        var mtu = MtuBytes(responder);
        var packets = PacketCount(length, mtu);
        var msn = NextMsn(responder);
        for (var i = 0; i < packets; i++)
        {
            packet.Opcode = packets == 1 ? RoceOpcode.RdmaReadResponseOnly
                : i == 0 ? RoceOpcode.RdmaReadResponseFirst
                : i == packets - 1 ? RoceOpcode.RdmaReadResponseLast : RoceOpcode.RdmaReadResponseMiddle;
            packet.Psn = (firstPsn + (uint)i) & 0xFFFFFF;
            packet.Syndrome = AethSyndrome.Ack;
            packet.Msn = msn;
            Add(responder.Device.Host.World.NowNs, packet, payload.Slice(i * mtu, Math.Min(mtu, length - (i * mtu))));
        }
    }

    /// <summary>A CM MAD from <paramref name="from"/> to <paramref name="to"/>, sent at <paramref name="timeNs"/>.</summary>
    internal void Cm(long timeNs, SimHost from, SimHost to, in CmMessage message, ReadOnlySpan<byte> privateData)
    {
        Span<byte> mad = stackalloc byte[CmMad.MadBytes];
        CmMad.Write(mad, message, privateData);
        var packet = Endpoints(from, to);
        packet.UdpSourcePort = 0xC001;
        packet.Opcode = RoceOpcode.UdSendOnly;
        packet.DestinationQp = CmMad.GsiQpn;
        packet.SourceQp = CmMad.GsiQpn;
        packet.Qkey = CmMad.GsiQkey;
        _gsiPsn.TryGetValue(from.HostName, out var psn);
        _gsiPsn[from.HostName] = (psn + 1) & 0xFFFFFF;
        packet.Psn = psn;
        Add(timeNs, packet, mad);
    }

    /// <summary>Decodes the SEND about to be captured as the frame it opens, if it is a capsule.</summary>
    private void NoteCapsule(ReadOnlySpan<byte> message)
    {
        if (_frames.Count >= FramesMax)
        {
            return;
        }

        if (message.Length >= NvmeCommand.Size && NvmeCommand.TryDecode(message, out var cmd).IsSuccess)
        {
            _capsules.Add(new WireCapsule(_frames.Count, 0, cmd, null));
        }
        else if (message.Length == NvmeCompletion.Size && NvmeCompletion.TryDecode(message, out var cpl).IsSuccess)
        {
            _capsules.Add(new WireCapsule(_frames.Count, 0, null, cpl));
        }
    }

    /// <summary>Packets a message of <paramref name="length"/> bytes takes at <paramref name="mtu"/> (a zero-length one takes one).</summary>
    internal static int PacketCount(long length, int mtu) => length == 0 ? 1 : (int)((length + mtu - 1) / mtu);

    /// <summary>The path MTU of <paramref name="qp"/> in bytes (4096 before RTR sets one).</summary>
    internal static int MtuBytes(SimQp qp) => qp.Attributes.PathMtu is >= Mtu.Mtu256 and <= Mtu.Mtu4096 ? 128 << (int)qp.Attributes.PathMtu : MtuBytesMax;

    private static RoceOpcode RequestOpcode(WrOpcode op, int i, int packets)
    {
        var only = packets == 1;
        var last = i == packets - 1;
        return op switch
        {
            WrOpcode.RdmaWrite => only ? RoceOpcode.RdmaWriteOnly : i == 0 ? RoceOpcode.RdmaWriteFirst : last ? RoceOpcode.RdmaWriteLast : RoceOpcode.RdmaWriteMiddle,
            WrOpcode.RdmaWriteWithImm => only ? RoceOpcode.RdmaWriteOnlyWithImmediate : i == 0 ? RoceOpcode.RdmaWriteFirst
                : last ? RoceOpcode.RdmaWriteLastWithImmediate : RoceOpcode.RdmaWriteMiddle,
            WrOpcode.SendWithImm => only ? RoceOpcode.SendOnlyWithImmediate : i == 0 ? RoceOpcode.SendFirst : last ? RoceOpcode.SendLastWithImmediate : RoceOpcode.SendMiddle,
            WrOpcode.SendWithInv => only ? RoceOpcode.SendOnlyWithInvalidate : i == 0 ? RoceOpcode.SendFirst : last ? RoceOpcode.SendLastWithInvalidate : RoceOpcode.SendMiddle,
            _ => only ? RoceOpcode.SendOnly : i == 0 ? RoceOpcode.SendFirst : last ? RoceOpcode.SendLast : RoceOpcode.SendMiddle,
        };
    }

    private static void SetReth(ref RocePacket packet, in SendWorkRequest wr, int length)
    {
        packet.RemoteAddress = wr.RemoteAddr;
        packet.Rkey = wr.Rkey;
        packet.DmaLength = (uint)length;
    }

    private static SimHost? PeerHost(SimQp qp) => qp.Device.Host.Fabric.FindHost(qp.Attributes.AhAttr.Dgid);

    private static RocePacket Rc(SimHost from, SimHost to, uint fromQpn, uint toQpn)
    {
        var packet = Endpoints(from, to);
        packet.DestinationQp = toQpn;
        packet.UdpSourcePort = (ushort)(0xC000 | ((fromQpn ^ toQpn) & 0x3FFF)); // per-flow entropy, as NICs hash it
        return packet;
    }

    private static RocePacket Endpoints(SimHost from, SimHost to) => new()
    {
        Source = from.Address,
        Destination = to.Address,
        SourceMac = Mac(from),
        DestinationMac = Mac(to),
    };

    /// <summary>A locally administered MAC derived from the port's GUID (the low 24 bits differ between hosts).</summary>
    private static ulong Mac(SimHost host) => 0x020000000000UL | (host.Device.Guid & 0xFFFFFF);

    private uint NextMsn(SimQp responder)
    {
        var key = (responder.Device.Host.HostName, responder.QpNum);
        _msn.TryGetValue(key, out var msn);
        msn = (msn + 1) & 0xFFFFFF;
        _msn[key] = msn;
        return msn;
    }

    private uint CurrentMsn(SimQp responder) => _msn.GetValueOrDefault((responder.Device.Host.HostName, responder.QpNum));

    /// <summary>The WR's bytes from its SGEs (or inline copy); bytes of an MR gone since the post read as zeros.</summary>
    private ReadOnlySpan<byte> Gather(SimDevice device, in SendWorkRequest wr, ReadOnlySpan<byte> inline, int length)
    {
        if (_payload.Length < length)
        {
            _payload = new byte[Math.Max(length, _payload.Length * 2)];
        }

        var into = _payload.AsSpan(0, length);
        if ((wr.Flags & SendFlags.Inline) != 0)
        {
            inline[..Math.Min(inline.Length, length)].CopyTo(into);
            return into;
        }

        var at = 0;
        for (var i = 0; i < wr.NumSge && at < length; i++)
        {
            var sge = wr.SgList[i];
            var n = (int)Math.Min(sge.Length, (uint)(length - at));
            var mr = device.FindMr(sge.Lkey);
            if (mr != null && mr.Contains(sge.Addr, (ulong)n))
            {
                mr.Resolve(sge.Addr, (uint)n).CopyTo(into.Slice(at, n));
            }
            else
            {
                into.Slice(at, n).Clear();
            }

            at += n;
        }

        return into;
    }

    private void Add(long timeNs, in RocePacket packet, ReadOnlySpan<byte> payload)
    {
        if (_frames.Count >= FramesMax)
        {
            DroppedFrames++; // beyond the frame bound nothing more is kept; the caller reports the count
            return;
        }

        var length = RoceFrame.Write(_frame, packet, payload, _crc);
        var kept = _bytes.Length + length > CaptureBytesMax ? Math.Min(length, TruncatedFrameBytes) : length;
        if (kept < length)
        {
            TruncatedFrames++;
        }

        _frames.Add(new FrameRecord(timeNs, _bytes.Length, kept, length, _sequence++));
        _bytes.Write(_frame, 0, kept);
    }

    private readonly record struct FrameRecord(long TimeNs, long Offset, int KeptBytes, int OriginalBytes, long Sequence);
}

/// <summary>One captured NVMe-oF capsule: a command or a completion, with the frame that carries (the start of) it.</summary>
/// <param name="CaptureIndex">The frame's index in capture order.</param>
/// <param name="Frame">Its pcap frame number (1-based), once saved.</param>
/// <param name="Command">The command, for a command capsule.</param>
/// <param name="Completion">The completion, for a response capsule.</param>
public readonly record struct WireCapsule(int CaptureIndex, int Frame, NvmeCommand? Command, NvmeCompletion? Completion);
