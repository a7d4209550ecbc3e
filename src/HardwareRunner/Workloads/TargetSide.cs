using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// The target: a listening CM id whose event channel also carries the events of every accepted id (as SPDK's
/// target), one PD and one CQ shared by all its qpairs (as a poll group's poller), two pollers on one reactor.
/// </summary>
internal sealed class TargetSide
{
    private readonly WorkloadOptions _o;
    private readonly WorkloadMonitor _monitor;
    private readonly WorkloadStats _stats;
    private readonly List<TargetConnection> _conns = new();
    private readonly WorkCompletion[] _wcs = new WorkCompletion[HostSide.CompletionsPerPollMax];
    private readonly List<IPoller> _pollers = new();
    private ICmEventChannel? _channel;
    private ICmId? _listenId;
    private IVerbsContext? _context;
    private long _shutdownSinceNs = -1;

    public TargetSide(IRdmaStack stack, WorkloadOptions options, WorkloadMonitor monitor, WorkloadStats stats)
    {
        Stack = stack;
        _o = options;
        _monitor = monitor;
        _stats = stats;
    }

    public IRdmaStack Stack { get; }

    public IProtectionDomain? Pd { get; private set; }

    public ICompletionQueue? Cq { get; private set; }

    /// <summary>responder_resources the target grants (capped by the device).</summary>
    public byte ReadDepth { get; private set; } = HostSide.ReadDepthMax;

    public long TeardownTimeoutNs => _o.TeardownTimeoutNs;

    /// <summary>The listener is gone and everything is released.</summary>
    public bool Finished { get; private set; }

    /// <summary>Binds and listens on the target address and adds the pollers.</summary>
    public void Start(IReactor reactor)
    {
        var rc = Stack.Cm.CreateEventChannel(out _channel);
        if (rc == Errno.Ok)
        {
            rc = Stack.Cm.CreateId(_channel!, this, PortSpace.Tcp, out _listenId);
        }

        if (rc == Errno.Ok)
        {
            rc = _listenId!.BindAddr(_o.TargetAddress);
        }

        if (rc == Errno.Ok)
        {
            rc = _listenId!.Listen(_o.Qpairs);
        }

        if (rc != Errno.Ok)
        {
            _monitor.Report(WorkloadMonitor.Protocol, $"target: cannot listen on {_o.TargetAddress}: {Errno.Name(rc)}");
            return;
        }

        _pollers.Add(new FuncPoller("target.cm", PollCm));
        _pollers.Add(new FuncPoller("target.cq", PollCq));
        foreach (var poller in _pollers)
        {
            reactor.AddPoller(poller);
        }
    }

    /// <summary>Removes the pollers (after the run).</summary>
    public void Stop(IReactor reactor)
    {
        foreach (var poller in _pollers)
        {
            reactor.RemovePoller(poller);
        }

        _pollers.Clear();
    }

    /// <summary>The host is done: stop listening and finish once every qpair is torn down.</summary>
    public void RequestShutdown()
    {
        if (_shutdownSinceNs < 0)
        {
            _shutdownSinceNs = Stack.Clock.NowNs;
        }
    }

    private int PollCm()
    {
        if (Finished || _channel == null)
        {
            return 0;
        }

        var work = 0;
        while (work < HostSide.CmEventsPerPollMax && _channel.GetEvent(out var ev) == Errno.Ok)
        {
            work++;
            _stats.CmEvents++;
            if (ev!.EventType == CmEventType.ConnectRequest)
            {
                OnConnectRequest(ev.Id, ev.Param.PrivateData.Span);
            }
            else if (ev.Id.Context is TargetConnection conn)
            {
                conn.OnCmEvent(ev.EventType, ev.Status);
            }
            else if (ev.Id != _listenId)
            {
                _monitor.Report(WorkloadMonitor.Protocol, $"target: CM event {ev} for an id that is not ours");
            }

            var rc = Stack.Cm.AckEvent(ev);
            if (rc != Errno.Ok)
            {
                _monitor.Report(WorkloadMonitor.Protocol, $"target: rdma_ack_cm_event({ev}) failed: {Errno.Name(rc)}");
            }
        }

        while (_context != null && _context.GetAsyncEvent(out var aev) == Errno.Ok)
        {
            _context.AckAsyncEvent(aev);
            _stats.AsyncEvents++;
            work++;
        }

        var now = Stack.Clock.NowNs;
        var allClosed = true;
        foreach (var conn in _conns)
        {
            work += conn.Progress(now);
            allClosed &= conn.Closed;
        }

        if (_shutdownSinceNs >= 0)
        {
            if (_listenId != null)
            {
                SharedCq.Check(_listenId.Destroy(), "rdma_destroy_id(listener)", _monitor, "target");
                _listenId = null;
                work++;
            }

            if (allClosed)
            {
                Release();
                return work + 1;
            }

            if (now - _shutdownSinceNs > _o.TeardownTimeoutNs)
            {
                _monitor.Report(WorkloadMonitor.NoProgress,
                    $"target: qpairs not torn down {_o.TeardownTimeoutNs / 1e9:0.#} s after the host finished ({string.Join("; ", _conns.Where(c => !c.Closed).Select(c => c.Describe()))})");
            }
        }

        return work;
    }

    private void OnConnectRequest(ICmId id, ReadOnlySpan<byte> privateData)
    {
        var index = _conns.Count;
        if (!ConnectData.TryRead(privateData, out var request))
        {
            request = default;
        }

        var conn = new TargetConnection(this, index, id, request, _monitor, _stats);
        id.Context = conn;
        _conns.Add(conn);
        conn.AcceptOrReject(Admit(id, request, privateData.Length));
    }

    /// <summary>Why a connect request cannot be accepted, or null.</summary>
    private string? Admit(ICmId id, in ConnectData request, int privateDataLength)
    {
        if (request.QueueDepth == 0)
        {
            return $"bad connect private data ({privateDataLength} bytes)";
        }

        if (_shutdownSinceNs >= 0 || _conns.Count > _o.Qpairs)
        {
            return "no more qpairs accepted";
        }

        if (request.QueueDepth > _o.QueueDepth || request.IoSize == 0 || request.IoSize > WorkloadOptions.IoSizeMax ||
            request.Blocks == 0 || (long)request.Blocks * request.IoSize > _o.RegionBytes)
        {
            return "connect parameters out of range";
        }

        if (!EnsureDevice(id.Verbs, out var error))
        {
            return error;
        }

        return null;
    }

    private bool EnsureDevice(IVerbsContext? context, out string? error)
    {
        error = null;
        if (context == null)
        {
            error = "CONNECT_REQUEST on an id without a device";
            return false;
        }

        if (_context != null)
        {
            if (context != _context)
            {
                error = "connect requests on different devices (this workload uses one)";
                return false;
            }

            return true;
        }

        _context = context;
        if (context.QueryDevice(out var attr) == Errno.Ok && attr.MaxQpRdAtom > 0)
        {
            ReadDepth = (byte)Math.Min(HostSide.ReadDepthMax, attr.MaxQpRdAtom);
        }

        var rc = context.AllocPd(out var pd);
        if (rc != Errno.Ok)
        {
            error = $"ibv_alloc_pd failed: {Errno.Name(rc)}";
            return false;
        }

        Pd = pd;
        rc = context.CreateCq(_o.Qpairs * 3 * _o.QueueDepth, this, out var cq);
        if (rc != Errno.Ok)
        {
            error = $"ibv_create_cq failed: {Errno.Name(rc)}";
            return false;
        }

        Cq = cq;
        return true;
    }

    private int PollCq() => Cq == null || Finished ? 0 : SharedCq.Poll(Cq, _wcs, _conns, _monitor, "target");

    private void Release()
    {
        Finished = true;
        SharedCq.Release(Cq, Pd, _channel, _monitor, "target");
    }
}
