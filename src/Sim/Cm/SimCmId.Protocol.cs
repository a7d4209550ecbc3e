using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Sim.Cm;

/// <summary>The CM protocol messages as they arrive.</summary>
public sealed partial class SimCmId
{
    private void AddrResolvedArrived(bool known)
    {
        if (State != CmIdState.AddrQuery)
        {
            return;
        }

        SetState(known ? CmIdState.AddrResolved : CmIdState.Idle);
        Raise(known ? CmEventType.AddrResolved : CmEventType.AddrError, known ? 0 : -Errno.ETIMEDOUT, default);
    }

    private void RouteResolvedArrived()
    {
        if (State != CmIdState.RouteQuery)
        {
            return;
        }

        SetState(CmIdState.RouteResolved);
        Raise(CmEventType.RouteResolved, 0, default);
    }

    /// <summary>A REQ reached this listener: a new id is born on the listener's channel, CONNECT_REQUEST follows.</summary>
    private void ReqArrived(SimCmId? active)
    {
        if (active == null || active.State != CmIdState.Connecting)
        {
            return;
        }

        if (State != CmIdState.Listening)
        {
            CaptureRej(active, CmRejectReason.InvalidServiceId, fromPassive: false, ReadOnlySpan<byte>.Empty);
            World.Schedule(Fabric.Options.LinkLatencyNs, active, EvRejArrived, CmRejectReason.InvalidServiceId);
            return;
        }

        var incoming = Cm.NewId(ChannelImpl, Context);
        incoming.Verbs = Cm.Host.CmContext;
        incoming.LocalAddress = LocalAddress;
        incoming.PeerAddress = active.LocalAddress;
        incoming.Peer = active;
        var remote = active.LocalParam;
        remote.QpNum = active.QpImpl?.QpNum ?? 0;
        incoming.RemoteParam = remote;
        incoming.SetState(CmIdState.ConnectRequest);
        active.Peer = incoming;
        // As the kernel CM reports a REQ to the passive side: from its point of view, so the two depths swap (its
        // initiator depth is what the peer will respond to, and the reverse). The QP setup uses the unswapped values.
        var seen = remote;
        seen.InitiatorDepth = remote.ResponderResources;
        seen.ResponderResources = remote.InitiatorDepth;
        incoming.Raise(CmEventType.ConnectRequest, 0, seen, listenId: this);
    }

    /// <summary>The passive side accepted: bring our QP to RTS, ESTABLISHED, and send RTU.</summary>
    private void RepArrived()
    {
        if (State != CmIdState.Connecting || Peer == null || QpImpl == null)
        {
            return;
        }

        RemoteParam = Peer.LocalParam;
        // As the IB CM (cm_rep_handler): retry_cnt is our own REQ's, rnr_retry is the one the REP carries (the acceptor's).
        var rc = ConnectQp(QpImpl, Peer, LocalParam.ResponderResources,
            initiatorDepth: Math.Min(LocalParam.InitiatorDepth, Peer.LocalParam.ResponderResources), LocalParam.RetryCount, Peer.LocalParam.RnrRetryCount);
        if (rc != Errno.Ok)
        {
            // As the kernel CMA's cma_rep_recv: a REP the QP cannot follow is rejected, so the peer does not wait for an RTU.
            SetState(CmIdState.Closed);
            CaptureActiveRej(CmRejectReason.ConsumerReject);
            World.Schedule(Fabric.Options.LinkLatencyNs, Peer, EvRejArrived, CmRejectReason.ConsumerReject);
            Raise(CmEventType.ConnectError, -rc, default);
            return;
        }

        SetState(CmIdState.Connected);
        Raise(CmEventType.Established, 0, RemoteParam);
        CaptureToPeer(Wire.CmMessageKind.Rtu);
        World.Schedule(Fabric.Options.LinkLatencyNs, Peer, EvRtuArrived);
    }

    private void RtuArrived()
    {
        if (State != CmIdState.Accepting)
        {
            return;
        }

        SetState(CmIdState.Connected);
        Raise(CmEventType.Established, 0, default);
    }

    private void RejArrived(int reason)
    {
        if (State is CmIdState.ConnectRequest or CmIdState.Accepting)
        {
            // The passive side of an abandoned connect: as the kernel CMA on IB_CM_REJ_RECEIVED, the QP goes to ERR
            // (its posted receives flush) and REJECTED is reported.
            SetState(CmIdState.Closed);
            QpImpl?.ForceError("connection rejected by the peer");
            Raise(CmEventType.Rejected, reason, default);
            return;
        }

        if (State != CmIdState.Connecting)
        {
            return;
        }

        SetState(CmIdState.Closed);
        var param = reason == CmRejectReason.ConsumerReject && Peer != null ? Peer.LocalParam : default;
        Raise(CmEventType.Rejected, reason, param);
    }

    private void Unreachable()
    {
        if (State != CmIdState.Connecting)
        {
            return;
        }

        SetState(CmIdState.Closed);
        Raise(CmEventType.Unreachable, -Errno.ETIMEDOUT, default);
    }

    /// <summary>DREQ received: DISCONNECTED now, DREP back, timewait.</summary>
    private void DreqArrived()
    {
        if (State is CmIdState.Connected or CmIdState.Accepting or CmIdState.Connecting or CmIdState.DisconnectSent)
        {
            // DisconnectSent: the two DREQs crossed. As the IB CM's cm_dreq_handler in DREQ_SENT, the pending DREQ is
            // cancelled and DREQ_RECEIVED reported, so both sides see DISCONNECTED without waiting for a DREP.
            SetState(CmIdState.DisconnectReceived);
            Raise(CmEventType.Disconnected, 0, default);
            EnterTimewait();
            SendDrep();
        }
        else if (State is CmIdState.TimeWait or CmIdState.Closed or CmIdState.Destroyed or CmIdState.DisconnectReceived)
        {
            // As the IB CM: a DREQ for a connection in timewait, or one it no longer knows (the id was destroyed), is
            // still answered with a DREP, so the peer's rdma_disconnect completes instead of timing out.
            SendDrep();
        }
    }

    private void SendDreq()
    {
        if (PathUp())
        {
            CaptureToPeer(Wire.CmMessageKind.Dreq);
            World.Schedule(Fabric.Options.LinkLatencyNs, Peer!, EvDreqArrived);
        }
    }

    private void SendDrep()
    {
        if (PathUp())
        {
            CaptureToPeer(Wire.CmMessageKind.Drep);
            World.Schedule(Fabric.Options.LinkLatencyNs, Peer!, EvDrepArrived);
        }
    }

    /// <summary>
    /// Whether a CM MAD to the peer can get through: a DREQ or DREP sent while either port is down or either device is
    /// gone is lost with all its retries (the sender then relies on its own timeout), as on hardware.
    /// </summary>
    private bool PathUp() =>
        Peer != null && PortUp(Cm.Host.Device) && PortUp(Peer.Cm.Host.Device);

    private static bool PortUp(Nic.SimDevice device) => !device.Removed && device.PortState == PortState.Active;

    /// <summary>Our DREQ was answered: DISCONNECTED for the side that called rdma_disconnect, then timewait.</summary>
    private void DrepArrived()
    {
        if (State != CmIdState.DisconnectSent)
        {
            return;
        }

        Raise(CmEventType.Disconnected, 0, default);
        EnterTimewait();
    }

    /// <summary>
    /// Our DREQ was never answered (the peer's port is down, or the DREQ and its retries were lost): as the IB CM's
    /// DREQ_ERROR, the side that called rdma_disconnect still gets DISCONNECTED.
    /// </summary>
    private void DreqTimedOut()
    {
        if (State != CmIdState.DisconnectSent)
        {
            return;
        }

        Raise(CmEventType.Disconnected, 0, default);
        EnterTimewait();
    }

    private void EnterTimewait()
    {
        SetState(CmIdState.TimeWait);
        World.Schedule(Fabric.Options.CmTimewaitNs, this, EvTimewaitDone);
    }

    private void TimewaitDone()
    {
        if (State != CmIdState.TimeWait)
        {
            return;
        }

        SetState(CmIdState.Closed);
        Raise(CmEventType.TimewaitExit, 0, default);
    }

    /// <summary>The QP entered ERR on its own: the connection is torn down after a bounded delay.</summary>
    private void OnQpError(Nic.SimQp qp)
    {
        if (Fabric.Options.QpErrorDisconnectDelayNs >= 0 && State is CmIdState.Connected or CmIdState.Accepting)
        {
            World.Schedule(Fabric.Options.QpErrorDisconnectDelayNs, this, EvAutoDisconnect);
        }
    }

    private void AutoDisconnect()
    {
        if (!Destroyed && State is CmIdState.Connected or CmIdState.Accepting)
        {
            DisconnectLocked();
        }
    }
}
