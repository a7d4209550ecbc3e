using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>The acceptor: CM events (connect, disconnect, removal) and IB async events.</summary>
public sealed partial class NvmfRdmaTransport
{
    /// <summary>One acceptor round: CM events (at most CmEventsPerPollMax), async events, controller timers.</summary>
    internal int PollAcceptor()
    {
        var work = 0;
        for (var i = 0; i < Options.CmEventsPerPollMax && _channel!.GetEvent(out var ev) == Errno.Ok; i++)
        {
            HandleCmEvent(ev!);
            work++;
        }

        while (_context!.GetAsyncEvent(out var async) == Errno.Ok)
        {
            // SPDK hands LAST_WQE_REACHED to the poll group's thread by message and acks before that message runs; the
            // port handles it inline, so it acks first. Acking after would destroy the QP with its event unacked, and
            // rdma-core's ibv_destroy_qp waits for that ack forever (the simulator reports it: verbs-contract).
            _context.AckAsyncEvent(async);
            HandleAsyncEvent(async);
            work++;
        }

        _handler.Poll(_clock.NowNs);
        return work + DisconnectSilentQpairs();
    }

    /// <summary>
    /// Disconnects every qpair still waiting for its Fabrics CONNECT <see cref="TargetOptions.FabricConnectTimeoutNsMax"/>
    /// after it was accepted. Without this (SPDK HEAD, <see cref="KnownDefects.NoFabricConnectTimeout"/>), a host that
    /// vanishes between the RTU and its CONNECT leaves the qpair for ever: nothing else ever looks at it.
    /// </summary>
    private int DisconnectSilentQpairs()
    {
        if (Defective(KnownDefects.NoFabricConnectTimeout))
        {
            return 0;
        }

        var work = 0;
        for (var i = 0; i < _qpairs.Count; i++)
        {
            var qpair = _qpairs[i];
            if (qpair.GenericState == NvmfQpairState.Connecting && !qpair.DisconnectStarted && !qpair.Destroyed &&
                _clock.NowNs - qpair.AcceptedNs > Options.FabricConnectTimeoutNsMax)
            {
                _log.Error(qpair, $"no Fabrics CONNECT {Options.FabricConnectTimeoutNsMax / 1_000_000} ms after the connection was accepted: disconnecting");
                DisconnectQpair(qpair);
                work++;
            }
        }

        return work;
    }

    private void HandleCmEvent(CmEvent ev)
    {
        _observer?.OnCmEvent(ev);
        switch (ev.EventType)
        {
            case CmEventType.ConnectRequest:
                var owned = OnConnectRequest(ev);
                Ack(ev);
                if (!owned)
                {
                    ev.Id.Destroy(); // only after the ack: destroying an id with an unacked event blocks forever
                }
                else if (_disconnectAfterAck is { } failed)
                {
                    _disconnectAfterAck = null;
                    DisconnectQpair(failed);
                }

                break;
            case CmEventType.Disconnected:
            case CmEventType.DeviceRemoval when ev.Id.Qp != null:
                Ack(ev); // SPDK acks first, then disconnects on the qpair's thread
                if (ev.Id.Context is RdmaQpair qpair)
                {
                    DisconnectQpair(qpair);
                }

                break;
            case CmEventType.Rejected or CmEventType.Unreachable or CmEventType.ConnectError
                when ev.Id.Context is RdmaQpair && !Defective(KnownDefects.TargetIgnoresRejected):
                // Not in SPDK, which ignores these as "client side only" (docs/findings/001): on the passive side they
                // end a connection the target accepted (the host gave up before its RTU) and the QP is in ERR. Without
                // an SRQ the flushed receives disconnect the qpair anyway; with one nothing else would, and the qpair,
                // its QP and its cm_id would live until the target stops.
                Ack(ev);
                DisconnectQpair((RdmaQpair)ev.Id.Context!);
                break;
            case CmEventType.DeviceRemoval:
                Ack(ev);
                foreach (var group in _groups)
                {
                    group.Pollers.ForEach(p => p.NeedDestroy = true);
                }

                break;
            default:
                Ack(ev); // ESTABLISHED, TIMEWAIT_EXIT, ADDR_CHANGE…: nothing to do ("target never re-uses QPs")
                break;
        }
    }

    private void Ack(CmEvent ev)
    {
        var rc = _stack.Cm.AckEvent(ev);
        Check.That(rc == Errno.Ok, InvariantNames.CompletesOnce, ev, e => $"rdma_ack_cm_event({e}) failed: every CM event must be acked exactly once");
    }

    /// <summary>
    /// <c>nvmf_rdma_connect</c>: validate private data and depths, create the qpair, add it to a poll group, accept.
    /// Returns whether a qpair now owns the id (false: rejected, the caller destroys the id).
    /// </summary>
    private bool OnConnectRequest(CmEvent ev)
    {
        var error = RdmaCmRequest.TryDecode(ev.Param.PrivateData.Span, out var request);
        if (error == RdmaTransportError.None && ev.Param.InitiatorDepth == 0)
        {
            error = RdmaTransportError.InvalidIrd;
        }

        if (error != RdmaTransportError.None)
        {
            Reject(ev.Id, error);
            return false;
        }

        var maxQueueDepth = Math.Min(Math.Min(Options.MaxQueueDepth, _deviceAttr.MaxQpWr), Math.Min((int)request.Hrqsize, request.Hsqsize + 1));
        var maxReadDepth = Math.Min(Math.Min(Options.MaxQueueDepth, _deviceAttr.MaxQpInitRdAtom), ev.Param.InitiatorDepth);
        if (maxQueueDepth < 2)
        {
            Reject(ev.Id, request.Hrqsize < 2 ? RdmaTransportError.InvalidHrqsize : RdmaTransportError.InvalidHsqsize);
            return false;
        }

        var qpair = new RdmaQpair(this, ev.Id, maxQueueDepth, maxReadDepth, request.Qid, $"{_stack.HostName}#{_qpairs.Count}");
        ev.Id.Context = qpair;
        _qpairs.Add(qpair);
        var group = _groups[_nextGroup++ % _groups.Count];
        if (!AddToPollGroup(qpair, group.Pollers[0]))
        {
            qpair.Destroyed = true;
            Reject(ev.Id, RdmaTransportError.NoResources);
            return false;
        }

        qpair.GenericState = NvmfQpairState.Connecting;
        qpair.AcceptedNs = _clock.NowNs;
        Accept(qpair);
        return true; // accepted, or closing after a failed accept: either way the qpair owns the id and destroys it
    }

    private void Reject(ICmId id, RdmaTransportError error)
    {
        Span<byte> data = stackalloc byte[RdmaCmReject.Size];
        new RdmaCmReject { Recfmt = 0, Status = error }.Encode(data);
        _log.Error(null, $"rejecting connection: {error}");
        id.Reject(data);
    }

    /// <summary><c>nvmf_rdma_poll_group_add</c> + <c>nvmf_rdma_qpair_initialize</c>: QP, resources, receives, accept.</summary>
    private bool AddToPollGroup(RdmaQpair qpair, RdmaPoller poller)
    {
        var init = new QpInitAttr
        {
            QpContext = qpair,
            SendCq = poller.Cq,
            RecvCq = poller.Cq,
            Srq = poller.Srq,
            QpType = QpType.Rc,
            Cap = new QpCap
            {
                MaxSendWr = (uint)qpair.MaxSendDepth,
                MaxRecvWr = poller.Srq == null ? (uint)qpair.MaxQueueDepth : 0,
                MaxSendSge = (uint)Math.Min(Options.MaxSendSge, _deviceAttr.MaxSge),
                MaxRecvSge = 2,
            },
        };
        if (poller.Srq == null && !ResizeCq(qpair, poller))
        {
            return false;
        }

        if (qpair.CmId.CreateQp(poller.Pd, init) != Errno.Ok)
        {
            ReleaseCqEntries(qpair, poller);
            return false;
        }

        qpair.Qp = qpair.CmId.Qp;
        qpair.Poller = poller;
        var rc = Errno.Ok;
        qpair.Resources = poller.SrqResources ?? TryNewResources(qpair.Name, qpair.MaxQueueDepth, out rc);
        if (qpair.Resources == null)
        {
            // As nvmf_rdma_qpair_initialize's error path: the QP is destroyed and the connection rejected.
            _log.Error(qpair, $"Unable to allocate resources for receive queue: {Errno.Name(rc)}");
            ReleaseCqEntries(qpair, poller);
            qpair.CmId.DestroyQp();
            qpair.Qp = null;
            qpair.Poller = null;
            return false;
        }

        poller.Add(qpair);
        if (poller.Srq == null && !PostInitialRecvs(qpair, poller))
        {
            AbandonSetup(qpair, poller);
            return false;
        }

        return true;
    }

    /// <summary>
    /// <c>nvmf_rdma_resize_cq</c>: the poller's CQ must hold what every qpair on it can have outstanding; when this qpair
    /// does not fit it grows to twice its size (at least what is required, at most the device's max_cqe) with
    /// ibv_resize_cq. False (the qpair is not initialized) when even max_cqe is too small or the resize fails.
    /// </summary>
    private bool ResizeCq(RdmaQpair qpair, RdmaPoller poller)
    {
        var required = poller.RequiredNumWr + MaxWrPerQp(qpair.MaxQueueDepth);
        var numCqe = poller.NumCqe;
        if (numCqe < required)
        {
            numCqe = Math.Min(Math.Max(numCqe * 2, required), _deviceAttr.MaxCqe);
        }

        if (poller.NumCqe != numCqe)
        {
            if (required > _deviceAttr.MaxCqe)
            {
                _log.Error(qpair, $"RDMA CQE requirement ({required}) exceeds device max_cqe limitation ({_deviceAttr.MaxCqe})");
                return false;
            }

            var rc = poller.Cq.Resize(numCqe);
            if (rc != Errno.Ok)
            {
                _log.Error(qpair, $"RDMA CQ resize failed: errno {rc}: {Errno.Name(rc)}");
                return false;
            }

            poller.NumCqe = numCqe;
        }

        poller.RequiredNumWr = required;
        qpair.CqEntriesReserved = true;
        return true;
    }

    /// <summary>What nvmf_rdma_qpair_destroy gives back to the poller's CQ accounting (the CQ itself never shrinks).</summary>
    internal static void ReleaseCqEntries(RdmaQpair qpair, RdmaPoller poller)
    {
        if (qpair.CqEntriesReserved)
        {
            poller.RequiredNumWr -= MaxWrPerQp(qpair.MaxQueueDepth);
            qpair.CqEntriesReserved = false;
        }
    }

    /// <summary>
    /// <c>nvmf_rdma_resources_create</c>'s receives. A failed post fails the setup, as in SPDK: the connection is not
    /// accepted, so no disconnect could flush the receives that were posted; destroying the QP discards them.
    /// </summary>
    private bool PostInitialRecvs(RdmaQpair qpair, RdmaPoller poller)
    {
        foreach (var recv in qpair.Resources!.Recvs)
        {
            recv.Qpair = qpair;
            QueueRecv(qpair, recv);
        }

        poller.PendingRecv.Remove(qpair); // posted here at once, not at the end of the poll
        var batch = qpair.RecvBatch.AsSpan(0, qpair.RecvBatchCount);
        qpair.RecvBatchCount = 0;
        var rc = qpair.Qp!.PostRecv(batch, out _);
        if (rc != Errno.Ok)
        {
            _log.Error(qpair, $"Unable to post capsule for RDMA RECV: {Errno.Name(rc)}");
        }

        return rc == Errno.Ok;
    }

    /// <summary>Undoes <see cref="AddToPollGroup"/> after its QP was created: the caller rejects the connection.</summary>
    private void AbandonSetup(RdmaQpair qpair, RdmaPoller poller)
    {
        poller.Remove(qpair);
        ReleaseCqEntries(qpair, poller);
        qpair.CmId.DestroyQp();
        _observer?.OnQpairDestroying(qpair);
        _resources.Remove(qpair.Resources!.Id);
        qpair.Resources.Dispose();
        qpair.Resources = null;
        qpair.Qp = null;
        qpair.Poller = null;
    }

    /// <summary>
    /// rdma_accept. On failure (e.g. the host abandoned the connect and its REJ came first) the qpair is fully set up
    /// — QP, resources, posted receives — so it is closed the normal way: disconnect, drain, destroy.
    /// </summary>
    private void Accept(RdmaQpair qpair)
    {
        var data = new byte[RdmaCmAccept.Size];
        new RdmaCmAccept { Recfmt = 0, Crqsize = (ushort)qpair.MaxQueueDepth }.Encode(data);
        var param = new ConnParam { PrivateData = data, ResponderResources = 0, InitiatorDepth = (byte)qpair.MaxReadDepth, RnrRetryCount = 7 };
        var rc = qpair.CmId.Accept(param);
        if (rc != Errno.Ok)
        {
            _log.Error(qpair, $"rdma_accept failed: {Errno.Name(rc)}");

            // Not here: SPDK's disconnect runs later, on the qpair's thread, after the CONNECT_REQUEST is acked. Done
            // inline it could destroy the qpair (an SRQ qpair on a device without LAST_WQE_REACHED is drained at once)
            // and its cm_id with the event still unacked: rdma_destroy_id would wait for that ack forever.
            _disconnectAfterAck = qpair;
        }
    }

    /// <summary><c>nvmf_process_ib_event</c>.</summary>
    private void HandleAsyncEvent(in AsyncEvent ev)
    {
        _log.Notice(ev.Qp?.QpContext as RdmaQpair, $"Async event: {ev.EventType.ToVerbsString()}");
        var qpair = ev.Qp?.QpContext as RdmaQpair;
        _observer?.OnAsyncEvent(qpair, ev.EventType);
        switch (ev.EventType)
        {
            case AsyncEventType.QpFatal when qpair != null:
                qpair.IbvInErrorState = true;
                DisconnectQpair(qpair);
                break;
            case AsyncEventType.QpLastWqeReached when qpair != null:
                qpair.LastWqeReached = true;
                DestroyDrained(qpair);
                break;
            case AsyncEventType.QpReqErr or AsyncEventType.QpAccessErr or AsyncEventType.CommEst
                or AsyncEventType.PathMig or AsyncEventType.PathMigErr when qpair != null:
                qpair.IbvInErrorState = true;
                break;
            case AsyncEventType.DeviceFatal:
                foreach (var group in _groups)
                {
                    group.Pollers.ForEach(p => p.NeedDestroy = true);
                }

                break;
        }
    }

    /// <summary><c>nvmf_rdma_qpair_destroy</c>: force-complete what is left, give receives back, destroy QP, resources, id.</summary>
    private void DestroyQpair(RdmaQpair qpair)
    {
        if (qpair.QueueDepth != 0)
        {
            _log.Warning(qpair, $"destroying qpair with queue_depth {qpair.QueueDepth}");
            foreach (var req in qpair.Resources!.Reqs)
            {
                if (req.Qpair == qpair && req.State != RdmaRequestState.Free)
                {
                    ProcessRequest(req);
                }
            }
        }

        var poller = qpair.Poller;
        if (poller is { NeedDestroy: true })
        {
            AbandonDeviceWrs(qpair);
        }

        qpair.Destroyed = true;
        if (poller != null)
        {
            ReleaseCqEntries(qpair, poller);
            poller.Remove(qpair);
            if (poller.Srq != null)
            {
                ReturnIncomingToSrq(qpair, poller);
            }
        }

        qpair.CmId.DestroyQp();
        if (qpair.Resources != null)
        {
            _observer?.OnQpairDestroying(qpair); // with an SRQ too: its requests in the shared pool are checked
        }

        if (poller?.Srq == null && qpair.Resources != null)
        {
            _resources.Remove(qpair.Resources.Id);
            qpair.Resources.Dispose();
        }

        qpair.CmId.Destroy();
        _log.Notice(qpair, "qpair destroyed");
    }

    /// <summary>
    /// On a removed device the WRs still on the wire never complete (the kernel frees them with the device): they are
    /// accounted as abandoned, so the depth counters say what is really outstanding, zero, when the qpair goes.
    /// </summary>
    private void AbandonDeviceWrs(RdmaQpair qpair)
    {
        var wrs = qpair.CurrentSendDepth;
        if (wrs == 0)
        {
            return;
        }

        Check.That(qpair.CurrentReadDepth <= wrs, InvariantNames.DepthCounters, qpair, q => $"{q}: current_read_depth {q.CurrentReadDepth} > current_send_depth {q.CurrentSendDepth}");
        _log.Warning(qpair, $"device removed: {wrs} send WR(s) ({qpair.CurrentReadDepth} RDMA READ) abandoned with it");
        qpair.AbandonedWrs += wrs;
        qpair.CurrentSendDepth = 0;
        qpair.CurrentReadDepth = 0;
    }

    private void ReturnIncomingToSrq(RdmaQpair qpair, RdmaPoller poller)
    {
        var incoming = poller.SrqResources!.IncomingQueue;
        for (var recv = incoming.First; recv != null;)
        {
            var next = Stailq<RdmaRecv, RecvLink>.Next(recv);
            if (recv.Qpair == qpair)
            {
                incoming.Remove(recv);
                RepostSrqRecv(poller, recv);
            }

            recv = next;
        }
    }
}
