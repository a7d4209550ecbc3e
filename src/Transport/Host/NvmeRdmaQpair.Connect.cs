using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// Connecting (SPDK nvme_rdma_ctrlr_connect_qpair and its CM callbacks): create the id on the controller's shared
/// channel, resolve address and route, create the QP, rdma_connect with the NVMe-oF private data, wait for
/// ESTABLISHED, post the receives, send the Fabrics Connect and wait for its response.
/// </summary>
public sealed partial class NvmeRdmaQpair
{
    /// <summary>errno ESTALE: the target rejected the connection as stale.</summary>
    internal const int Estale = 116;

    /// <summary>IB CM reject reason "stale connection" (IB_CM_REJ_STALE_CONN).</summary>
    internal const int RejectStaleConn = 10;

    private static readonly NvmeCompletionCallback FabricConnectDone = (ctx, in cpl) => ((NvmeRdmaQpair)ctx!).OnFabricConnectDone(cpl);
    private ConnectStatus _connectStatus;
    private int _staleRetries;
    private long _staleReconnectAtNs;

    private enum ConnectStatus
    {
        None,
        Pending,
        Succeeded,
        Failed,
    }

    /// <summary>SPDK nvme_rdma_ctrlr_connect_qpair. Under the controller lock; INVALID, STALE_CONN or EXITED.</summary>
    private int StartConnect()
    {
        Check.That(CmId == null && Resources == null, InvariantNames.StateTransition, this, q => $"{q.Name}: connect while the previous connection's id or resources still exist");
        FailureReason = QpairFailureReason.None;
        NeedDestroy = false;
        Connected = false;
        _connectStatus = ConnectStatus.None;
        Generation++;
        ConnectAttempts++;
        var rc = _ctrlr.Stack.Cm.CreateId(_ctrlr.Events.Channel, this, PortSpace.Tcp, out var id);
        if (rc != Errno.Ok)
        {
            return rc;
        }

        CmId = id;
        rc = id!.ResolveAddr(null, _ctrlr.TargetAddress, _options.ResolveTimeoutMs);
        if (rc == Errno.Ok)
        {
            Interleave(HostInterleavingPoint.ConnectAfterResolveAddr);
            rc = EventStart(CmEventType.AddrResolved, CmWait.AddrResolved);
        }

        if (rc == Errno.Ok)
        {
            SetState(NvmeRdmaQpairState.Initializing);
        }

        return rc;
    }

    /// <summary>A connect that could not even start: from EXITED the id is dropped again, otherwise the qpair disconnects.</summary>
    private void OnStartConnectFailed(int rc)
    {
        Log($"connect failed to start: {Errno.Name(rc)}");
        FailureReason = QpairFailureReason.ConnectFailed;
        if (_state == NvmeRdmaQpairState.Exited)
        {
            Destroy();
            return;
        }

        StartDisconnect(CmWait.Disconnected);
    }

    private int AddrResolved(int rc)
    {
        if (rc != Errno.Ok)
        {
            Log($"RDMA address resolution error {Errno.Name(rc)}");
            return rc;
        }

        rc = CmId!.ResolveRoute(_options.ResolveTimeoutMs);
        return rc != Errno.Ok ? rc : EventStart(CmEventType.RouteResolved, CmWait.RouteResolved);
    }

    private int RouteResolved(int rc)
    {
        if (rc != Errno.Ok)
        {
            Log($"RDMA route resolution error {Errno.Name(rc)}");
            return rc;
        }

        rc = QpairInit();
        return rc != Errno.Ok ? rc : RdmaConnect();
    }

    /// <summary>SPDK nvme_rdma_qpair_init: the QP on the poll group's shared CQ (I/O) or a private CQ (admin).</summary>
    private int QpairInit()
    {
        var ctx = CmId!.Verbs!;
        var rc = _ctrlr.EnsurePd(ctx, out var pd);
        if (rc != Errno.Ok)
        {
            return rc;
        }

        ICompletionQueue? cq;
        SrqResponses? srq = null;
        if (PollGroup != null)
        {
            rc = PollGroup.GetCq(this, ctx, pd!, _ctrlr.Stack.Memory, out cq, out srq);
        }
        else
        {
            rc = ctx.CreateCq(2 * NumEntries, this, out cq);
            PrivateCq = cq;
        }

        if (rc != Errno.Ok)
        {
            return rc;
        }

        var init = new QpInitAttr
        {
            QpContext = this,
            SendCq = cq!,
            RecvCq = cq!,
            QpType = QpType.Rc,
            Srq = srq?.Srq,
            Cap = new QpCap { MaxSendWr = (uint)NumEntries, MaxRecvWr = srq == null ? (uint)NumEntries : 0, MaxSendSge = 2, MaxRecvSge = 1 },
        };
        rc = CmId.CreateQp(pd!, init);
        if (rc == Errno.Ok && srq != null)
        {
            PollGroup!.AttachSrqQpair(this, CmId.Qp!.QpNum);
        }

        return rc;
    }

    /// <summary>SPDK nvme_rdma_connect: rdma_connect with the request private data, then wait for ESTABLISHED.</summary>
    private int RdmaConnect()
    {
        var rc = CmId!.Verbs!.QueryDevice(out var attr);
        if (rc != Errno.Ok)
        {
            return rc;
        }

        var privateData = new byte[RdmaCmRequest.Size];
        new RdmaCmRequest { Recfmt = 0, Qid = Qid, Hrqsize = (ushort)(NumEntries + 1), Hsqsize = (ushort)NumEntries, Cntlid = _ctrlr.Cntlid }.Encode(privateData);
        var param = new ConnParam
        {
            PrivateData = privateData,
            ResponderResources = (byte)Math.Clamp(attr.MaxQpRdAtom, 0, _options.ResponderResourcesMax),
            InitiatorDepth = _options.ConnectInitiatorDepth,
            RetryCount = Math.Min(_options.TransportRetryCount, (byte)VerbsLimits.RetryCountMax),
            RnrRetryCount = _options.RnrRetryCount,
            QpNum = CmId.Qp!.QpNum,
        };
        rc = CmId.Connect(param);
        return rc != Errno.Ok ? rc : EventStart(CmEventType.Established, CmWait.Established);
    }

    /// <summary>SPDK nvme_rdma_connect_established: create requests and responses, post every receive.</summary>
    private int ConnectEstablished(int rc)
    {
        if (rc == Estale)
        {
            return StaleConnRetry();
        }

        if (rc != Errno.Ok)
        {
            Log($"RDMA connect error {Errno.Name(rc)}");
            return rc;
        }

        Resources = QpairResources.Create(_ctrlr.Stack.Memory, _ctrlr.Pd!, NumEntries, DelayCmdSubmit, out rc);
        if (Resources == null)
        {
            return rc;
        }

        for (var i = 0; i < NumEntries && !SrqHeld; i++) // on an SRQ the poller's receives serve every qpair (HEAD :1283)
        {
            rc = PostRecv(Resources, i);
            if (rc != Errno.Ok)
            {
                return rc;
            }
        }

        rc = SubmitRecvs(); // HEAD queues every receive and posts them at once, delay_cmd_submit or not
        if (rc != Errno.Ok)
        {
            return rc;
        }

        _staleRetries = 0;
        SetState(NvmeRdmaQpairState.FabricConnectSend);
        return Errno.Ok;
    }

    /// <summary>SPDK nvme_rdma_ctrlr_connect_qpair_poll for the states before RUNNING (not STALE_CONN).</summary>
    private int ConnectPoll()
    {
        int rc;
        switch (_state)
        {
            case NvmeRdmaQpairState.Initializing:
                if (!Lock())
                {
                    return 0;
                }

                try
                {
                    rc = ProcessEventPoll();
                }
                finally
                {
                    Unlock();
                }

                break;
            case NvmeRdmaQpairState.FabricConnectSend:
                rc = SendFabricConnect();
                if (rc == Errno.Ok)
                {
                    SetState(NvmeRdmaQpairState.FabricConnectPoll);
                }

                break;
            default:
                rc = _connectStatus switch
                {
                    ConnectStatus.Pending => Errno.EAGAIN,
                    ConnectStatus.Succeeded => Errno.Ok,
                    _ => Errno.ECONNREFUSED,
                };
                if (rc == Errno.Ok)
                {
                    SetState(NvmeRdmaQpairState.Running);
                    Connects++;
                }

                break;
        }

        if (rc is not (Errno.Ok or Errno.EAGAIN))
        {
            Log($"failed to connect: {Errno.Name(rc)} in {_state.ToSpdkName()}");
            Fail(QpairFailureReason.ConnectFailed);
        }

        return rc == Errno.EAGAIN ? 0 : 1;
    }

    /// <summary>SPDK nvme_fabric_qpair_connect_async: the Fabrics Connect, its data keyed in the qpair's own buffer.</summary>
    private int SendFabricConnect()
    {
        var r = Resources!;
        var data = new ConnectData
        {
            HostId = _options.HostId,
            Cntlid = IsAdmin ? ConnectData.DynamicControllerId : _ctrlr.Cntlid,
            SubNqn = Nqn.FromString(_options.SubNqn),
            HostNqn = Nqn.FromString(_options.HostNqn),
        };
        data.Encode(r.Buffer.Range(r.ConnectDataOffset, ConnectData.Size));
        var cmd = new ConnectCommand { Qid = Qid, Sqsize = (ushort)NumEntries, Kato = IsAdmin ? _options.KeepAliveTimeoutMs : 0 }.ToCommand();
        var dataRef = new DataRef(r.Buffer.Address + (ulong)r.ConnectDataOffset, ConnectData.Size, r.Mr.Lkey, r.Mr.Rkey);
        _connectStatus = ConnectStatus.Pending;
        return SubmitInternal(cmd, dataRef, FabricConnectDone, this);
    }

    private void OnFabricConnectDone(in NvmeCompletion cpl)
    {
        if (cpl.Status.IsError)
        {
            Log($"Fabrics Connect failed: {cpl.ToString(NvmeCommand.FabricsOpcode)}");
            _connectStatus = ConnectStatus.Failed;
            return;
        }

        if (IsAdmin)
        {
            _ctrlr.Cntlid = ConnectResponse.GetCntlid(cpl.Dw0);
        }

        _connectStatus = ConnectStatus.Succeeded;
    }

    /// <summary>SPDK nvme_rdma_stale_conn_retry: disconnect, destroy, reconnect after a delay (bounded retries).</summary>
    private int StaleConnRetry()
    {
        if (_staleRetries >= _options.StaleConnRetriesMax)
        {
            Log($"Retry failed {_staleRetries} times, give up stale connection to qpair.");
            return Estale;
        }

        _staleRetries++;
        Log($"{_staleRetries} times, retry stale connection.");
        StartDisconnect(CmWait.StaleDisconnected);
        return Errno.Ok;
    }

    /// <summary>
    /// SPDK nvme_rdma_stale_conn_disconnected (HEAD nvme_rdma.c:2694): the rejected connection is gone; when its QP
    /// still has sends or receives on the shared CQ, wait (bounded by the lingering timeout) for their completions
    /// in STALE_CONN_LINGERING before freeing what they point at; otherwise destroy at once. Runs under the
    /// controller lock (the EXITING event poll, or the connect's own event callback).
    /// </summary>
    internal int StaleDisconnected(int rc)
    {
        if (rc != Errno.Ok)
        {
            Log("Target did not respond to qpair disconnect.");
        }

        SubmitSends(); // HEAD: nvme_rdma_qpair_flush_send_wrs before counting what is outstanding
        Check.That(Resources == null || Resources.OutstandingCount == 0, InvariantNames.StateTransition, this,
            q => $"{q.Name}: stale connection retried with {q.Resources!.OutstandingCount} command(s) outstanding");
        if (PollGroup != null && Resources is { } r && !IsQuiet(r))
        {
            _lingerDeadlineNs = _clock.NowNs + _options.LingeringTimeoutNs;
            SetState(NvmeRdmaQpairState.StaleConnLingering);
            return Errno.EAGAIN;
        }

        return StaleConnCompleteDisconnect(underLock: true);
    }

    /// <summary>
    /// SPDK nvme_rdma_ctrlr_connect_qpair_poll, case STALE_CONN_LINGERING (HEAD nvme_rdma.c:1488): once the old QP's
    /// WRs came back on the shared CQ (or the deadline passed), destroy and go to STALE_CONN. HEAD takes no
    /// controller lock here, and neither does the port; the state is unreachable in both (a stale reject comes while
    /// waiting for ESTABLISHED, before any receive or send is posted), so the unlocked destroy cannot race.
    /// </summary>
    private int StaleConnLingeringPoll()
    {
        var r = Resources;
        if (r != null && !IsQuiet(r) && _clock.NowNs < _lingerDeadlineNs)
        {
            return 0;
        }

        StaleConnCompleteDisconnect(underLock: false);
        return 1;
    }

    /// <summary>SPDK nvme_rdma_stale_conn_complete_disconnect (HEAD nvme_rdma.c:2677): destroy, forget the failure, reconnect after the delay.</summary>
    private int StaleConnCompleteDisconnect(bool underLock)
    {
        Destroy(underLock);
        FailureReason = QpairFailureReason.None;
        SetState(NvmeRdmaQpairState.StaleConn);
        _staleReconnectAtNs = _clock.NowNs + _options.StaleConnRetryDelayNs;
        return Errno.Ok;
    }

    /// <summary>
    /// SPDK nvme_rdma_stale_conn_reconnect (HEAD nvme_rdma.c:1440): after the delay, connect again. HEAD calls
    /// nvme_rdma_ctrlr_connect_qpair here from the poll group without the controller lock, which every other connect
    /// holds (spdk_nvme_ctrlr_reconnect_io_qpair, spdk_nvme_ctrlr_alloc_io_qpair): the admin thread may then drain
    /// the new id's ADDR_RESOLVED into the slot between rdma_resolve_addr and nvme_rdma_process_event_start, which
    /// consumes it as a leftover, and the connect times out (docs/findings/010). The port takes the lock, as the fix
    /// proposed there; <see cref="Target.KnownDefects.StaleReconnectWithoutCtrlrLock"/> keeps HEAD's behaviour.
    /// </summary>
    private int StaleConnPoll()
    {
        if (_clock.NowNs < _staleReconnectAtNs)
        {
            return 0;
        }

        var locked = !DefectStaleReconnectWithoutLock || IsAdmin;
        if (locked && !Lock())
        {
            return 0;
        }

        try
        {
            var rc = StartConnect();
            if (rc != Errno.Ok && locked)
            {
                OnStartConnectFailed(rc);
            }
            else if (rc != Errno.Ok)
            {
                Log($"connect failed to start: {Errno.Name(rc)}");
                Fail(QpairFailureReason.ConnectFailed); // HEAD: the poll group fails the qpair, which then takes the lock to disconnect
            }
        }
        finally
        {
            if (locked)
            {
                Unlock();
            }
        }

        return 1;
    }
}
