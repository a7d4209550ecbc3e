using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>The acceptor: CM events (connect, disconnect, removal) and IB async events.</summary>
public sealed partial class NvmfRdmaTransport
{
    /// <summary>One acceptor round: CM events (at most CmEventsPerPollMax), async events, controller timers.</summary>
    internal int PollAcceptor()
    {
        var work = 0;
        for (var i = 0; i < Options.CmEventsPerPollMax && GetCmEvent(out var ev) == Errno.Ok; i++)
        {
            HandleCmEvent(ev!);
            work++;
        }

        while (GetAsyncEvent(out var async) == Errno.Ok)
        {
            HandleAsyncEvent(async);
            _context!.AckAsyncEvent(async); // after, as rdma.c:3693: whatever the handler queued runs on another thread
            work++;
        }

        work += _handler.Poll(_clock.NowNs);
        return work + DisconnectSilentQpairs();
    }

    private int GetCmEvent(out CmEvent? ev)
    {
        Options.MeetingPoints?.At(MeetingPoint.TargetCmGetEvent);
        return _channel!.GetEvent(out ev);
    }

    private int GetAsyncEvent(out AsyncEvent ev)
    {
        Options.MeetingPoints?.At(MeetingPoint.TargetAsyncEvent);
        return _context!.GetAsyncEvent(out ev);
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
            if (AwaitsFabricConnect(qpair) && qpair.MessagesQueued == 0 && _clock.NowNs >= FabricConnectDueNs(qpair))
            {
                _log.Error(qpair, $"no Fabrics CONNECT {Options.FabricConnectTimeoutNsMax / 1_000_000} ms after the connection was accepted: disconnecting");
                DisconnectQpair(qpair);
                work++;
            }
        }

        return work;
    }

    /// <summary>Accepted, not yet given its Fabrics CONNECT, and not being torn down.</summary>
    private static bool AwaitsFabricConnect(RdmaQpair qpair) =>
        qpair.GenericState == NvmfQpairState.Connecting && !qpair.DisconnectStarted && !qpair.Destroyed;

    /// <summary>When <see cref="DisconnectSilentQpairs"/> gives up on a qpair's CONNECT (more than the bound after the accept).</summary>
    private long FabricConnectDueNs(RdmaQpair qpair) => qpair.AcceptedNs + Options.FabricConnectTimeoutNsMax + 1;

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

                break;
            case CmEventType.Disconnected:
            case CmEventType.DeviceRemoval when ev.Id.Qp != null:
                DisconnectForEvent(ev); // nvmf_rdma_disconnect (rdma.c:3287)
                break;
            case CmEventType.Rejected or CmEventType.Unreachable or CmEventType.ConnectError
                when ev.Id.Context is RdmaQpair && !Defective(KnownDefects.TargetIgnoresRejected):
                // Not in SPDK, which ignores these as "client side only" (docs/findings/001): on the passive side they
                // end a connection the target accepted (the host gave up before its RTU) and the QP is in ERR. Without
                // an SRQ the flushed receives disconnect the qpair anyway; with one nothing else would, and the qpair,
                // its QP and its cm_id would live until the target stops.
                DisconnectForEvent(ev);
                break;
            case CmEventType.DeviceRemoval:
                Ack(ev);
                RemoveDevicePollers();
                break;
            default:
                Ack(ev); // ESTABLISHED, TIMEWAIT_EXIT, ADDR_CHANGE…: nothing to do ("target never re-uses QPs")
                break;
        }
    }

    /// <summary>
    /// <c>nvmf_rdma_disconnect</c> (rdma.c:3287) as the port fixes it (docs/findings/013): the qpair is asked to disconnect
    /// while the event is still unacked, so its group thread cannot have freed it (rdma_destroy_id waits for that ack),
    /// then the event is acked. HEAD acks first (rdma.c:3303) and then calls spdk_nvmf_qpair_disconnect on a qpair its
    /// group thread may have freed the moment the ack let its rdma_destroy_id return
    /// (<see cref="KnownDefects.DisconnectMessageAfterDestroy"/>).
    /// </summary>
    private void DisconnectForEvent(CmEvent ev)
    {
        var qpair = ev.Id.Context as RdmaQpair;
        if (Defective(KnownDefects.DisconnectMessageAfterDestroy))
        {
            Ack(ev);
            if (qpair != null)
            {
                DisconnectQpair(qpair); // reports object-lifetime when the ack let the group thread free it
            }

            return;
        }

        if (qpair != null)
        {
            DisconnectQpair(qpair);
        }

        Ack(ev);
    }

    private void Ack(CmEvent ev)
    {
        var rc = _stack.Cm.AckEvent(ev);
        Check.That(rc == Errno.Ok, InvariantNames.CompletesOnce, ev, e => $"rdma_ack_cm_event({e}) failed: every CM event must be acked exactly once");
    }

    /// <summary>
    /// <c>nvmf_rdma_connect</c> (rdma.c:1309): validate private data and depths, create the qpair, and hand it to the
    /// generic layer (<see cref="NewQpair"/>), which sends it to a poll group's thread; the QP, resources, receives and
    /// rdma_accept happen there, after this CONNECT_REQUEST is acked. Returns whether a qpair now owns the id (false:
    /// rejected here, the caller destroys the id).
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
        NewQpair(qpair);
        return true; // the qpair owns the id from here: its group's thread accepts, or rejects and destroys it
    }

    /// <summary>
    /// <c>spdk_nvmf_tgt_new_qpair</c> (nvmf.c:1443): the transport's optimal poll group, counted as unassociated there,
    /// and a message to its thread (<c>_nvmf_poll_group_add</c>). The acceptor touches no poll-group state.
    /// </summary>
    private void NewQpair(RdmaQpair qpair)
    {
        var group = OptimalPollGroup(qpair);
        qpair.Group = group;
        group.AddUnassociated();
        qpair.GroupCounted = true;
        qpair.HandOffQueued = true;
        group.Thread!.SendMessage(PollGroupAddMsg, qpair);
    }

    /// <summary>
    /// <c>nvmf_rdma_get_optimal_poll_group</c> (rdma.c:4024), under the transport's mutex as
    /// <c>nvmf_transport_get_optimal_poll_group</c> (transport.c:681) takes it: admin qpairs round-robin on their own
    /// cursor (<c>conn_sched.next_admin_pg</c>); I/O qpairs go to the group with the fewest I/O qpairs (unassociated
    /// ones counted as I/O), searched from <c>conn_sched.next_io_pg</c> and stopping at a group with none; the cursor
    /// then moves past the group chosen. One shared cursor (the port before) put every I/O qpair of a host with one
    /// I/O queue per admin queue on the same group when there are two.
    /// </summary>
    private RdmaPollGroup OptimalPollGroup(RdmaQpair qpair)
    {
        lock (_groupsGate)
        {
            Check.That(_groups.Count > 0, InvariantNames.StateTransition, this, t => $"{t._stack.HostName}: no poll group for a new qpair");
            RdmaPollGroup chosen;
            if (qpair.Qid == 0)
            {
                chosen = _groups[_nextAdminGroup];
                _nextAdminGroup = (chosen.Index + 1) % _groups.Count;
                return chosen;
            }

            var start = _nextIoGroup;
            chosen = _groups[start];
            var minimum = chosen.IoQpairCount;
            for (var i = (start + 1) % _groups.Count; i != start && minimum != 0; i = (i + 1) % _groups.Count)
            {
                var count = _groups[i].IoQpairCount;
                if (count < minimum)
                {
                    minimum = count;
                    chosen = _groups[i];
                }
            }

            _nextIoGroup = (chosen.Index + 1) % _groups.Count;
            return chosen;
        }
    }

    private static readonly ThreadMessageFn PollGroupAddMsg = static ctx => ((RdmaQpair)ctx!).Transport.PollGroupAdd((RdmaQpair)ctx);

    /// <summary>
    /// On the group's thread: <c>_nvmf_poll_group_add</c> (nvmf.c:1421) → <c>spdk_nvmf_poll_group_add</c> (nvmf.c:1507) →
    /// <c>nvmf_rdma_poll_group_add</c> (rdma.c:4171): QP, resources, receives, then rdma_accept; CONNECTING on success.
    /// On failure the qpair is still UNINITIALIZED: it leaves the unassociated count and is disconnected, which for an
    /// UNINITIALIZED qpair is the transport's close at once (reject, rdma_disconnect, destroy when drained).
    /// </summary>
    private void PollGroupAdd(RdmaQpair qpair)
    {
        var group = qpair.Group!;
        var previous = EnterGroup(group);
        try
        {
            Check.That(qpair.HandOffQueued && !qpair.Destroyed, InvariantNames.ObjectLifetime, qpair, q => $"{q}: poll-group hand-off ran after the qpair was destroyed");
            qpair.HandOffQueued = false;
            Check.That(qpair.GenericState == NvmfQpairState.Uninitialized, InvariantNames.StateTransition, qpair, q => $"{q}: handed to a group in state {q.GenericState}");
            // A disconnect asked meanwhile travels by message too, behind this one: nothing closed it yet.
            Check.That(!qpair.ToClose && !qpair.DisconnectStarted, InvariantNames.StateTransition, qpair, q => $"{q}: closed before its hand-off ran");
            var poller = group.Pollers[0];
            if (poller.NeedDestroy || !AddToPollGroup(qpair, poller))
            {
                FailPollGroupAdd(qpair);
                return;
            }

            if (Accept(qpair) != Errno.Ok)
            {
                Reject(qpair.CmId, RdmaTransportError.NoResources); // nvmf_rdma_qpair_reject_connection: "we probably can't"
                FailPollGroupAdd(qpair);
                return;
            }

            qpair.SetGenericState(NvmfQpairState.Connecting);
            qpair.AcceptedNs = _clock.NowNs;
        }
        finally
        {
            LeaveGroup(previous);
        }
    }

    /// <summary>
    /// The hand-off failed (nvmf.c:1430-1438): out of the unassociated count, then <c>spdk_nvmf_qpair_disconnect</c> of an
    /// UNINITIALIZED qpair, which the transport closes at once (it rejects the connection while the cm_id is there).
    /// </summary>
    private void FailPollGroupAdd(RdmaQpair qpair)
    {
        LeaveGroupCounts(qpair);
        DisconnectQpair(qpair);
    }

    /// <summary>Takes the qpair out of its group's counts, once: unassociated, or admin/I/O once its CONNECT arrived.</summary>
    private static void LeaveGroupCounts(RdmaQpair qpair)
    {
        if (!qpair.GroupCounted)
        {
            return;
        }

        qpair.GroupCounted = false;
        if (qpair.ConnectReceived)
        {
            qpair.Group!.RemoveConnected(qpair.Qid);
        }
        else
        {
            qpair.Group!.LeaveUnassociated(null);
        }
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
                MaxSendSge = (uint)Math.Min(Math.Min(Options.MaxSendSge, _deviceAttr.MaxSge), SglEntriesMax),
                MaxRecvSge = 2,
            },
        };
        if (poller.Srq == null && !ResizeCq(qpair, poller))
        {
            return InitializeFailed(qpair, poller, qpCreated: false);
        }

        if (qpair.CmId.CreateQp(poller.Pd, init) != Errno.Ok)
        {
            return InitializeFailed(qpair, poller, qpCreated: false);
        }

        qpair.MaxSendSge = Math.Min(SglEntriesMax, (int)init.Cap.MaxSendSge);

        qpair.Qp = qpair.CmId.Qp;
        qpair.Poller = poller;
        var rc = Errno.Ok;
        qpair.Resources = poller.SrqResources ?? TryNewResources(qpair.Name, qpair.MaxQueueDepth, out rc);
        if (qpair.Resources == null)
        {
            _log.Error(qpair, $"Unable to allocate resources for receive queue: {Errno.Name(rc)}");
            return InitializeFailed(qpair, poller, qpCreated: true);
        }

        poller.Add(qpair);
        if (poller.Srq == null && !PostInitialRecvs(qpair, poller))
        {
            AbandonSetup(qpair, poller); // nvmf_rdma_resources_create fails with its receives, then rdma_destroy_qp
            return InitializeFailed(qpair, poller, qpCreated: false);
        }

        return true;
    }

    /// <summary>
    /// <c>nvmf_rdma_qpair_initialize</c>'s error path (rdma.c:1082-1086) as the port fixes it (docs/findings/014): the QP
    /// destroyed, the poller's CQ entries given back, the cm_id kept, so the connection is rejected and the qpair, never
    /// initialized, destroyed with its cm_id when it is closed. HEAD (<see cref="KnownDefects.QpairInitFailureLeak"/>)
    /// destroys the cm_id there, keeps <c>rdma_qp</c> pointing at the QP it destroyed (rdma.c:1066), never gives back
    /// the CQ entries nvmf_rdma_resize_cq counted, and nvmf_rdma_close_qpair then disconnects the destroyed cm_id and
    /// nvmf_rdma_destroy_drained_qpair never frees the qpair (its receive count is never the queue depth).
    /// </summary>
    private bool InitializeFailed(RdmaQpair qpair, RdmaPoller poller, bool qpCreated)
    {
        Check.That(!qpair.Destroyed && qpair.GenericState == NvmfQpairState.Uninitialized, InvariantNames.StateTransition, qpair,
            q => $"{q}: initialization failed in state {q.GenericState}");
        if (Defective(KnownDefects.QpairInitFailureLeak))
        {
            if (qpCreated && qpair.Qp != null)
            {
                qpair.CmId.DestroyQp(); // spdk_rdma_cm_destroy_qp: rqpair->rdma_qp still points at it
            }

            qpair.CmId.Destroy();
            qpair.CmIdDestroyed = true;
            qpair.Poller = null;
            return false;
        }

        ReleaseCqEntries(qpair, poller);
        if (qpCreated && qpair.Qp != null)
        {
            qpair.CmId.DestroyQp();
        }

        qpair.Qp = null;
        qpair.Poller = null;
        Check.That(!qpair.CqEntriesReserved, InvariantNames.DepthCounters, qpair, q => $"{q}: CQ entries still counted after a failed initialization");
        return false;
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

    /// <summary>
    /// Undoes <see cref="AddToPollGroup"/>'s QP and resources after the receives failed to post (nvmf_rdma_resources_create's
    /// own cleanup, then nvmf_rdma_qpair_initialize's rdma_destroy_qp); <see cref="InitializeFailed"/> does the rest.
    /// </summary>
    private void AbandonSetup(RdmaQpair qpair, RdmaPoller poller)
    {
        poller.Remove(qpair);
        qpair.CmId.DestroyQp();
        _observer?.OnQpairDestroying(qpair);
        _resources.TryRemove(qpair.Resources!.Id, out _);
        qpair.Resources.Dispose();
        qpair.Resources = null;
    }

    /// <summary>
    /// <c>nvmf_rdma_event_accept</c> (rdma.c:1253), on the group's thread. Its CONNECT_REQUEST was acked by the acceptor
    /// before this message ran, so a failure may close (and destroy) the qpair and its cm_id at once.
    /// </summary>
    private int Accept(RdmaQpair qpair)
    {
        var data = new byte[RdmaCmAccept.Size];
        new RdmaCmAccept { Recfmt = 0, Crqsize = (ushort)qpair.MaxQueueDepth }.Encode(data);
        var param = new ConnParam { PrivateData = data, ResponderResources = 0, InitiatorDepth = (byte)qpair.MaxReadDepth, RnrRetryCount = 7 };
        var rc = qpair.CmId.Accept(param);
        if (rc != Errno.Ok)
        {
            _log.Error(qpair, $"rdma_accept failed: {Errno.Name(rc)}");
        }

        return rc;
    }

    /// <summary>
    /// <c>nvmf_process_ib_event</c> (rdma.c:3607). QP_FATAL disconnects the qpair (by message when it lives on a poll
    /// group's thread); LAST_WQE_REACHED goes to the qpair's thread by message (rdma.c:3572); the event is acked after
    /// (rdma.c:3693): the unacked event keeps the QP, and so the qpair, from being destroyed meanwhile.
    /// </summary>
    private void HandleAsyncEvent(in AsyncEvent ev)
    {
        _log.Notice(ev.Qp?.QpContext as RdmaQpair, $"Async event: {ev.EventType.ToVerbsString()}");
        var qpair = ev.Qp?.QpContext as RdmaQpair;
        _observer?.OnAsyncEvent(qpair, ev.EventType);
        // The kernel drops a destroyed QP's unread events (ib_uverbs_release_uevent; the simulator too) and
        // ibv_destroy_qp waits for the acks of those read: an event naming a freed qpair is a use after free in SPDK.
        Check.That(qpair is not { Freed: true }, InvariantNames.ObjectLifetime, ev.EventType,
            t => $"async event {t.ToVerbsString()} for a qpair already freed");

        switch (ev.EventType)
        {
            case AsyncEventType.QpFatal when qpair != null:
                qpair.IbvInErrorState = true;
                DisconnectQpair(qpair);
                break;
            case AsyncEventType.QpLastWqeReached when qpair != null:
                SendLastWqeReached(qpair);
                break;
            case AsyncEventType.QpReqErr or AsyncEventType.QpAccessErr or AsyncEventType.CommEst
                or AsyncEventType.PathMig or AsyncEventType.PathMigErr when qpair != null:
                qpair.IbvInErrorState = true;
                break;
            case AsyncEventType.DeviceFatal:
                RemoveDevicePollers();
                break;
        }
    }

    private static readonly ThreadMessageFn RemovePollersMsg = static ctx => ((RdmaPollGroup)ctx!).Pollers.ForEach(static p => p.NeedDestroy = true);

    /// <summary>
    /// The device is gone: every poll group marks its pollers <c>need_destroy</c> on its own thread, by a message, as
    /// HEAD's <c>nvmf_rdma_remove_destroyed_device</c> → <c>nvmf_rdma_manage_poller</c> → <c>_nvmf_rdma_remove_poller_in_group</c>
    /// (rdma.c:4807) does. The port used to write the flag from the acceptor's thread: it could then flip in the middle
    /// of a group's poll, between two completions of one batch; the first force-destroyed its qpair (freeing requests
    /// whose WRITEs were still out) and the next was such a WRITE's flush, for a freed request (found by Coyote,
    /// LastWqeRacingDeviceRemoval; a port bug, HEAD has no such write).
    /// </summary>
    private void RemoveDevicePollers()
    {
        foreach (var group in _groups)
        {
            group.Thread!.SendMessage(RemovePollersMsg, group);
        }
    }

    private static readonly ThreadMessageFn LastWqeReachedMsg = static ctx => ((LastWqeEvent)ctx!).Transport.OnLastWqeReached((LastWqeEvent)ctx);

    /// <summary>
    /// <c>nvmf_rdma_send_qpair_last_wqe_event</c> (rdma.c:3572): a context the qpair points at (so its destroy can clear
    /// it, rdma.c:859), sent to the group's thread. Once per qpair; without a thread the flag is set here (rdma.c:3650).
    /// </summary>
    private void SendLastWqeReached(RdmaQpair qpair)
    {
        var thread = qpair.Group?.Thread;
        if (thread == null || qpair.LastWqeReached || qpair.LastWqeReachedCtx != null)
        {
            _log.Warning(qpair, "Failed to send LAST_WQE_REACHED event");
            qpair.LastWqeReached = true;
            return;
        }

        var ctx = new LastWqeEvent(this, qpair); // once per qpair lifetime: control path
        qpair.LastWqeReachedCtx = ctx;
        thread.SendMessage(LastWqeReachedMsg, ctx);
    }

    /// <summary>
    /// <c>nvmf_rdma_qpair_process_last_wqe_event</c> (rdma.c:3556) on the group's thread: a qpair destroyed meanwhile
    /// cleared the context, so nothing is touched (HEAD guards this window).
    /// </summary>
    private void OnLastWqeReached(LastWqeEvent ctx)
    {
        var qpair = ctx.Qpair;
        if (qpair == null)
        {
            return;
        }

        var previous = EnterGroup(qpair.Group!);
        try
        {
            Check.That(!qpair.Freed && ReferenceEquals(qpair.LastWqeReachedCtx, ctx), InvariantNames.ObjectLifetime, qpair,
                q => $"{q}: LAST_WQE_REACHED message ran on a freed qpair");
            qpair.LastWqeReachedCtx = null;
            qpair.LastWqeReached = true; // nvmf_rdma_handle_last_wqe_reached (rdma.c:3549)
            DestroyDrained(qpair);
        }
        finally
        {
            LeaveGroup(previous);
        }
    }

    /// <summary><c>nvmf_rdma_qpair_destroy</c>: force-complete what is left, give receives back, destroy QP, resources, id.</summary>
    private void DestroyQpair(RdmaQpair qpair)
    {
        var poller = qpair.Poller;
        if (poller is { NeedDestroy: true })
        {
            AbandonDeviceWrs(qpair); // before the requests are freed: their WRs go with the device, not with them
        }

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
            _resources.TryRemove(qpair.Resources.Id, out _);
            qpair.Resources.Dispose();
        }

        if (qpair.LastWqeReachedCtx is { } lastWqe)
        {
            lastWqe.Qpair = null; // nvmf_rdma_qpair_clean_ibv_events (rdma.c:859): its message finds no qpair
            qpair.LastWqeReachedCtx = null;
        }

        LeaveGroupCounts(qpair);
        if (!qpair.CmIdDestroyed)
        {
            qpair.CmId.Destroy(); // last (rdma.c:954); waits while an event of this id is unacked
        }

        qpair.Freed = true;
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
        foreach (var req in qpair.Resources?.Reqs ?? [])
        {
            if (req.Qpair == qpair && req.State != RdmaRequestState.Free)
            {
                // Their completions will never be polled (the poller is gone with the device): a request freed now must
                // not count as having WRs on the wire, or the SRQ's other qpairs see a FREE request still sending.
                req.RspPosted = false;
                req.OutstandingReads = 0;
            }
        }
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
