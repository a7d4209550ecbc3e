using Harness.Sim.Fabric;
using Harness.Sim.Wire;
using Harness.Transport.RdmaCm;

namespace Harness.Sim.Cm;

/// <summary>What this id's CM puts on the wire, for a <see cref="WireCapture"/> when one is attached.</summary>
public sealed partial class SimCmId
{
    /// <summary>The transaction ID of a disconnect exchange is apart from the connection's.</summary>
    private const ulong DisconnectTransactionBit = 1UL << 32;

    /// <summary>The REQ this (active) id sends to <paramref name="to"/>'s host.</summary>
    private void CaptureReq(SimHost to)
    {
        if (Fabric.Capture is not { } capture || LocalAddress == null || PeerAddress == null)
        {
            return;
        }

        var m = new CmMessage
        {
            Kind = CmMessageKind.Req,
            TransactionId = (ulong)Serial,
            LocalCommId = (uint)Serial,
            ServiceId = CmMad.ServiceIdOfTcpPort(PeerAddress.Port),
            Qpn = QpImpl?.QpNum ?? 0,
            ResponderResources = LocalParam.ResponderResources,
            InitiatorDepth = LocalParam.InitiatorDepth,
            RetryCount = LocalParam.RetryCount,
            RnrRetryCount = LocalParam.RnrRetryCount,
            PathMtu = (byte)Transport.Verbs.Mtu.Mtu4096,
            Source = LocalAddress,
            Destination = PeerAddress,
            CaGuid = Cm.Host.Device.Guid,
        };
        capture.Cm(World.NowNs, Cm.Host, to, m, LocalParam.PrivateData.Span);
    }

    /// <summary>The REP this (passive) id sends to its peer.</summary>
    private void CaptureRep()
    {
        if (Fabric.Capture is not { } capture || Peer == null)
        {
            return;
        }

        var m = new CmMessage
        {
            Kind = CmMessageKind.Rep,
            TransactionId = (ulong)Peer.Serial,
            LocalCommId = (uint)Serial,
            RemoteCommId = (uint)Peer.Serial,
            Qpn = QpImpl?.QpNum ?? 0,
            ResponderResources = LocalParam.ResponderResources,
            InitiatorDepth = LocalParam.InitiatorDepth,
            RnrRetryCount = LocalParam.RnrRetryCount,
            CaGuid = Cm.Host.Device.Guid,
        };
        capture.Cm(World.NowNs, Cm.Host, Peer.Cm.Host, m, LocalParam.PrivateData.Span);
    }

    /// <summary>RTU, DREQ or DREP from this id to its peer.</summary>
    private void CaptureToPeer(CmMessageKind kind)
    {
        if (Fabric.Capture is not { } capture || Peer == null)
        {
            return;
        }

        var m = new CmMessage
        {
            Kind = kind,
            TransactionId = kind switch
            {
                CmMessageKind.Dreq => DisconnectTransactionBit | (ulong)Serial,
                CmMessageKind.Drep => DisconnectTransactionBit | (ulong)Peer.Serial,
                _ => (ulong)Serial,
            },
            LocalCommId = (uint)Serial,
            RemoteCommId = (uint)Peer.Serial,
            Qpn = Peer.QpImpl?.QpNum ?? 0,
        };
        capture.Cm(World.NowNs, Cm.Host, Peer.Cm.Host, m, ReadOnlySpan<byte>.Empty);
    }

    /// <summary>
    /// A REJ of <paramref name="reason"/> this id's CM sends to <paramref name="active"/> about its REQ
    /// (<paramref name="fromPassive"/>: the passive id rejects, else the CM itself, without an id).
    /// </summary>
    private void CaptureRej(SimCmId active, int reason, bool fromPassive, ReadOnlySpan<byte> privateData, long delayNs = 0)
    {
        if (Fabric.Capture is not { } capture)
        {
            return;
        }

        var m = new CmMessage
        {
            Kind = CmMessageKind.Rej,
            TransactionId = (ulong)active.Serial,
            LocalCommId = fromPassive ? (uint)Serial : 0,
            RemoteCommId = (uint)active.Serial,
            RejectReason = (ushort)reason,
            RejectedMessage = 0,
        };
        capture.Cm(World.NowNs + delayNs, Cm.Host, active.Cm.Host, m, privateData);
    }

    /// <summary>A REJ the remote CM sends back to this (active) id without telling any listener (no listener, stale connection).</summary>
    private void CaptureRemoteRej(SimHost remote, int reason)
    {
        if (Fabric.Capture is not { } capture)
        {
            return;
        }

        var m = new CmMessage
        {
            Kind = CmMessageKind.Rej,
            TransactionId = (ulong)Serial,
            RemoteCommId = (uint)Serial,
            RejectReason = (ushort)reason,
        };
        capture.Cm(World.NowNs + Fabric.Options.LinkLatencyNs, remote, Cm.Host, m, ReadOnlySpan<byte>.Empty);
    }

    /// <summary>A REJ of the active side (this) to its passive peer: it abandoned the connection (IB_CM_REJ_TIMEOUT).</summary>
    private void CaptureActiveRej(int reason)
    {
        if (Fabric.Capture is not { } capture || Peer == null)
        {
            return;
        }

        var m = new CmMessage
        {
            Kind = CmMessageKind.Rej,
            TransactionId = (ulong)Serial,
            LocalCommId = (uint)Serial,
            RemoteCommId = (uint)Peer.Serial,
            RejectReason = (ushort)reason,
            RejectedMessage = 1, // the REP (or the wait for it)
        };
        capture.Cm(World.NowNs, Cm.Host, Peer.Cm.Host, m, ReadOnlySpan<byte>.Empty);
    }
}
