using Harness.Sim.Contract;
using Harness.Sim.Fabric;
using System.Net;
using Harness.Sim.Nic;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Sim.Cm;

/// <summary>The librdmacm calls.</summary>
public sealed partial class SimCmId
{
    /// <inheritdoc/>
    public int BindAddr(IPEndPoint address)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "rdma_bind_addr");
            if (State != CmIdState.Idle)
            {
                return Errno.EINVAL;
            }

            if (!address.Address.Equals(IPAddress.Any) && !address.Address.Equals(Cm.Host.Address))
            {
                return Errno.EADDRNOTAVAIL;
            }

            LocalAddress = new IPEndPoint(Cm.Host.Address, address.Port == 0 ? Cm.NextEphemeralPort() : address.Port);
            Verbs = Cm.Host.CmContext;
            SetState(CmIdState.Bound);
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int Listen(int backlog)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "rdma_listen");
            if (State != CmIdState.Bound || backlog < 0)
            {
                return Errno.EINVAL;
            }

            var rc = Fabric.AddListener(LocalAddress!, this);
            if (rc == Errno.Ok)
            {
                SetState(CmIdState.Listening);
            }

            TraceCall("listen", rc);
            return rc;
        }
    }

    /// <inheritdoc/>
    public int ResolveAddr(IPEndPoint? source, IPEndPoint destination, int timeoutMs)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "rdma_resolve_addr");
            if (State is not (CmIdState.Idle or CmIdState.Bound) || timeoutMs <= 0)
            {
                return Errno.EINVAL;
            }

            if (Fabric.Faults.TryCallError(HostName, Faults.VerbsCall.ResolveAddr, out var failed))
            {
                return failed; // as the kernel's rdma_resolve_addr failing: the id stays where it was
            }

            PeerAddress = destination;
            LocalAddress ??= new IPEndPoint(Cm.Host.Address, Cm.NextEphemeralPort());
            Verbs = Cm.Host.CmContext;
            SetState(CmIdState.AddrQuery);
            var known = Fabric.FindHost(destination.Address) != null;
            var delay = known ? Fabric.Options.LinkLatencyNs * 2 : timeoutMs * 1_000_000L;
            World.Schedule(delay, this, EvAddrResolved, known ? 1 : 0);
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int ResolveRoute(int timeoutMs)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "rdma_resolve_route");
            if (State != CmIdState.AddrResolved || timeoutMs <= 0)
            {
                return Errno.EINVAL;
            }

            if (Fabric.Faults.TryCallError(HostName, Faults.VerbsCall.ResolveRoute, out var failed))
            {
                return failed;
            }

            SetState(CmIdState.RouteQuery);
            World.Schedule(Fabric.Options.LinkLatencyNs * 2, this, EvRouteResolved);
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int CreateQp(IProtectionDomain pd, in QpInitAttr initAttr)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "rdma_create_qp");
            if (Verbs == null || QpImpl != null || pd is not SimPd simPd || simPd.Context.Device != Cm.Host.Device)
            {
                return Errno.EINVAL;
            }

            if (Fabric.Faults.TryCallError(HostName, Faults.VerbsCall.CreateQp, out var failed))
            {
                return failed; // nothing created
            }

            var rc = pd.CreateQp(initAttr, out var qp);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            // As librdmacm: a CM-managed QP starts in INIT with remote read/write access.
            var attr = new QpAttr { QpState = QpState.Init, PortNum = 1, QpAccessFlags = AccessFlags.LocalWrite | AccessFlags.RemoteRead | AccessFlags.RemoteWrite };
            rc = qp!.Modify(attr, QpAttrMask.State | QpAttrMask.PkeyIndex | QpAttrMask.Port | QpAttrMask.AccessFlags);
            if (rc != Errno.Ok)
            {
                qp.Destroy();
                return rc;
            }

            QpImpl = (SimQp)qp;
            QpImpl.ErrorEntered = OnQpError;
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public void DestroyQp()
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "rdma_destroy_qp");
            if (QpImpl != null)
            {
                QpImpl.ErrorEntered = null;
                QpImpl.Destroy();
                QpImpl = null;
            }
        }
    }

    /// <inheritdoc/>
    public int Connect(in ConnParam param)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "rdma_connect");
            var rc = State != CmIdState.RouteResolved || QpImpl == null ? Errno.EINVAL
                : param.PrivateData.Length > VerbsLimits.ConnectPrivateDataBytesMax ? Errno.EINVAL : Errno.Ok;
            if (rc == Errno.Ok && Fabric.Faults.TryCallError(HostName, Faults.VerbsCall.Connect, out var failed))
            {
                rc = failed; // no REQ was sent: the id stays route-resolved
            }

            TraceCall("connect", rc);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            LocalParam = param;
            SetState(CmIdState.Connecting);
            var remote = Fabric.FindHost(PeerAddress!.Address);
            if (remote != null)
            {
                CaptureReq(remote);
            }

            if (remote == null || remote.Device.Removed || remote.Device.PortState != PortState.Active)
            {
                World.Schedule(ConnectTimeoutNsMax, this, EvUnreachable);
                return Errno.Ok;
            }

            var listener = Fabric.FindListener(PeerAddress);
            if (listener == null)
            {
                CaptureRemoteRej(remote, CmRejectReason.InvalidServiceId);
                World.Schedule(Fabric.Options.LinkLatencyNs * 2, this, EvRejArrived, CmRejectReason.InvalidServiceId);
                return Errno.Ok;
            }

            if (Fabric.Faults.StaleConnReject(HostName))
            {
                // As the kernel CM's cm_req_handler on a REQ whose QPN it still has connected: it rejects the REQ itself
                // (IB_CM_REJ_STALE_CONN), the listener never hears of it.
                CaptureRemoteRej(remote, CmRejectReason.StaleConn);
                World.Schedule(Fabric.Options.LinkLatencyNs * 2, this, EvRejArrived, CmRejectReason.StaleConn);
                return Errno.Ok;
            }

            World.Schedule(Fabric.Options.LinkLatencyNs, listener, EvReqArrived, Serial);
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int Accept(in ConnParam param)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "rdma_accept");
            var rc = State != CmIdState.ConnectRequest || QpImpl == null || Peer == null ? Errno.EINVAL
                : param.PrivateData.Length > VerbsLimits.AcceptPrivateDataBytesMax ? Errno.EINVAL : Errno.Ok;
            if (rc == Errno.Ok && Fabric.Faults.TryCallError(HostName, Faults.VerbsCall.Accept, out var failed))
            {
                TraceCall("accept", failed);
                RejectFailedAccept();
                return failed;
            }

            if (rc == Errno.Ok)
            {
                LocalParam = param;
                rc = ConnectQp(QpImpl!, Peer!, responderResources: param.ResponderResources,
                    initiatorDepth: Math.Min(param.InitiatorDepth, RemoteParam.ResponderResources), retry: RemoteParam.RetryCount,
                    rnrRetry: RemoteParam.RnrRetryCount); // as the IB CM: the REQ's rnr_retry_count programs the passive QP
            }

            TraceCall("accept", rc);
            if (rc == Errno.Ok)
            {
                SetState(CmIdState.Accepting);
                CaptureRep();
                World.Schedule(Fabric.Options.LinkLatencyNs, Peer!, EvRepArrived);
            }

            return rc;
        }
    }

    /// <summary>
    /// As the kernel's rdma_accept when sending the REP fails (cma.c, its <c>reject:</c> label): the QP goes to ERR and
    /// the connection is rejected (IB_CM_REJ_CONSUMER_DEFINED), so the active side hears REJECTED. The id is closed.
    /// </summary>
    private void RejectFailedAccept()
    {
        QpImpl?.ForceError("rdma_accept failed");
        LocalParam = new ConnParam { PrivateData = ReadOnlyMemory<byte>.Empty };
        SetState(CmIdState.Closed);
        CaptureRej(Peer!, CmRejectReason.ConsumerReject, fromPassive: true, ReadOnlySpan<byte>.Empty);
        World.Schedule(Fabric.Options.LinkLatencyNs, Peer!, EvRejArrived, CmRejectReason.ConsumerReject);
    }

    /// <inheritdoc/>
    public int Reject(ReadOnlySpan<byte> privateData)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "rdma_reject");
            var rc = State != CmIdState.ConnectRequest || Peer == null ? Errno.EINVAL
                : privateData.Length > VerbsLimits.RejectPrivateDataBytesMax ? Errno.EINVAL : Errno.Ok;
            TraceCall("reject", rc);
            if (rc == Errno.Ok)
            {
                LocalParam = new ConnParam { PrivateData = privateData.ToArray() };
                SetState(CmIdState.Closed);
                CaptureRej(Peer!, CmRejectReason.ConsumerReject, fromPassive: true, privateData);
                World.Schedule(Fabric.Options.LinkLatencyNs, Peer!, EvRejArrived, CmRejectReason.ConsumerReject);
            }

            return rc;
        }
    }

    /// <inheritdoc/>
    public int Disconnect()
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "rdma_disconnect");
            var rc = DisconnectLocked();
            TraceCall("disconnect", rc);
            return rc;
        }
    }

    /// <inheritdoc/>
    public int Destroy()
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.DestroyedTwice, this, "rdma_destroy_id");

            TraceCall("destroy_id", Errno.Ok);
            WaitUntilAcked();
            if (State is CmIdState.Connected or CmIdState.Accepting)
            {
                SendDreq(); // destroying a live connection sends DREQ
            }
            else if (State == CmIdState.Connecting && Peer != null)
            {
                // As the IB CM's cm_destroy_id in REQ_SENT: a connection abandoned before the REP came is rejected
                // (IB_CM_REJ_TIMEOUT), so the passive side does not wait forever for an RTU.
                CaptureActiveRej(CmRejectReason.Timeout);
                World.Schedule(Fabric.Options.LinkLatencyNs, Peer, EvRejArrived, CmRejectReason.Timeout);
            }

            if (State == CmIdState.Listening)
            {
                Fabric.RemoveListener(LocalAddress!);
            }

            if (QpImpl != null)
            {
                QpImpl.ErrorEntered = null;
            }

            SetState(CmIdState.Destroyed);
            ChannelImpl.DiscardFor(this);
            ChannelImpl.IdCount--;
            return Errno.Ok;
        }
    }

    /// <summary>
    /// librdmacm's rule: destroy blocks until every event got for the id is acked. Under threads (Coyote) this really
    /// waits on the gate; single-threaded, nobody else could ack, so it is a certain hang and is reported as one.
    /// </summary>
    private void WaitUntilAcked()
    {
        while (UnackedEvents > 0)
        {
            if (Fabric.Threading == SimThreading.Cooperative)
            {
                throw new SimulatedHangException(
                    $"rdma_destroy_id({this}) waits forever: {UnackedEvents} event(s) delivered for it were never acked");
            }

            World.WaitForAck();
        }
    }

    private int DisconnectLocked()
    {
        switch (State)
        {
            case CmIdState.Connecting:
                // As the kernel on IB/RoCE: the QP goes to ERR, but no DREQ can be sent before the connection is
                // established; the id keeps waiting for the REP, which then cannot bring the QP to RTR: the REP is
                // rejected and CONNECT_ERROR reported (RepArrived).
                QpImpl?.ForceError("rdma_disconnect");
                return Errno.Ok;
            case CmIdState.Connected or CmIdState.Accepting:
                SetState(CmIdState.DisconnectSent);
                QpImpl?.ForceError("rdma_disconnect");
                SendDreq();
                World.Schedule(DisconnectTimeoutNsMax, this, EvDreqTimedOut);
                return Errno.Ok;
            case CmIdState.DisconnectReceived or CmIdState.TimeWait or CmIdState.DisconnectSent or CmIdState.Closed:
                // As the kernel's rdma_disconnect on IB/RoCE: after DISCONNECTED (the id is then in timewait, or closed
                // once TIMEWAIT_EXIT is raised) or a second call, it still moves the QP to ERR (flushing it) and returns 0.
                // SPDK relies on this.
                QpImpl?.ForceError("rdma_disconnect");
                return Errno.Ok;
            default:
                return Errno.EINVAL;
        }
    }

    /// <summary>Brings the local QP to RTS towards <paramref name="peer"/> (what librdmacm does on accept/establish).</summary>
    private int ConnectQp(SimQp qp, SimCmId peer, byte responderResources, byte initiatorDepth, byte retry, byte rnrRetry)
    {
        var o = Fabric.Options;
        var rtr = new QpAttr
        {
            QpState = QpState.Rtr,
            PathMtu = Mtu.Mtu4096,
            DestQpNum = peer.QpImpl?.QpNum ?? peer.RemoteParam.QpNum,
            RqPsn = 0,
            MaxDestRdAtomic = responderResources,
            MinRnrTimer = o.DefaultMinRnrTimer,
            AhAttr = new AhAttr { Dgid = peer.Cm.Host.Gid, IsGlobal = true, PortNum = 1, HopLimit = 64 },
        };
        var rc = qp.Modify(rtr, QpAttrMask.State | QpAttrMask.Av | QpAttrMask.PathMtu | QpAttrMask.DestQpn | QpAttrMask.RqPsn |
            QpAttrMask.MaxDestRdAtomic | QpAttrMask.MinRnrTimer);
        if (rc != Errno.Ok)
        {
            return rc;
        }

        var rts = new QpAttr
        {
            QpState = QpState.Rts,
            SqPsn = 0,
            Timeout = o.DefaultAckTimeoutExponent,
            RetryCnt = Math.Min(retry, (byte)VerbsLimits.RetryCountMax),
            RnrRetry = Math.Min(rnrRetry, (byte)VerbsLimits.RetryCountMax),
            MaxRdAtomic = initiatorDepth,
        };
        return qp.Modify(rts, QpAttrMask.State | QpAttrMask.SqPsn | QpAttrMask.Timeout | QpAttrMask.RetryCnt | QpAttrMask.RnrRetry | QpAttrMask.MaxQpRdAtomic);
    }
}
