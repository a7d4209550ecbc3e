using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// The initiator: <c>--qpairs</c> connections whose CM ids all share ONE event channel (as SPDK's host shares one per
/// controller), one protection domain and one completion queue, driven by three pollers on one reactor: CM and async
/// events plus teardown, completions, and submission.
/// </summary>
internal sealed class HostSide
{
    /// <summary>CM events handled per poll (as SPDK's 32).</summary>
    public const int CmEventsPerPollMax = 32;

    /// <summary>Work completions polled per poll.</summary>
    public const int CompletionsPerPollMax = 32;

    /// <summary>Outstanding RDMA READs per QP the host asks for (capped by the device).</summary>
    public const byte ReadDepthMax = 16;

    private readonly WorkloadOptions _o;
    private readonly WorkloadMonitor _monitor;
    private readonly WorkloadStats _stats;
    private readonly List<HostConnection> _conns = new();
    private readonly WorkCompletion[] _wcs = new WorkCompletion[CompletionsPerPollMax];
    private readonly List<IPoller> _pollers = new();
    private ICmEventChannel? _channel;
    private IVerbsContext? _context;
    private long _lastProgressNs;
    private int _nextSubmit;

    public HostSide(IRdmaStack stack, WorkloadOptions options, WorkloadMonitor monitor, WorkloadStats stats, IWorkloadRandom random)
    {
        Stack = stack;
        _o = options;
        _monitor = monitor;
        _stats = stats;
        for (var i = 0; i < options.Qpairs; i++)
        {
            _conns.Add(new HostConnection(this, i, options.QuotaOf(i), options, monitor, stats, random));
        }
    }

    public IRdmaStack Stack { get; }

    public IProtectionDomain? Pd { get; private set; }

    public ICompletionQueue? Cq { get; private set; }

    /// <summary>initiator_depth / responder_resources the host asks for.</summary>
    public byte ReadDepth { get; private set; } = ReadDepthMax;

    /// <summary>Every operation is done: healthy qpairs disconnect now.</summary>
    public bool ShuttingDown { get; private set; }

    /// <summary>Everything is torn down and released.</summary>
    public bool Finished { get; private set; }

    /// <summary>Called once when <see cref="Finished"/> becomes true.</summary>
    public Action? OnFinished { get; set; }

    public IReadOnlyList<HostConnection> Connections => _conns;

    /// <summary>Creates the shared event channel, starts connecting every qpair and adds the pollers.</summary>
    public void Start(IReactor reactor)
    {
        _lastProgressNs = Stack.Clock.NowNs;
        var rc = Stack.Cm.CreateEventChannel(out _channel);
        if (rc != Errno.Ok)
        {
            _monitor.Report(WorkloadMonitor.Protocol, $"host: rdma_create_event_channel failed: {Errno.Name(rc)}");
            return;
        }

        foreach (var conn in _conns)
        {
            conn.Start(_channel!);
        }

        _pollers.Add(new FuncPoller("host.cm", PollCm));
        _pollers.Add(new FuncPoller("host.cq", PollCq));
        _pollers.Add(new FuncPoller("host.submit", PollSubmit));
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

    /// <summary>Opens the PD and CQ on the device the first id resolved to (as SPDK does with <c>cm_id-&gt;verbs</c>).</summary>
    public bool EnsureDevice(IVerbsContext? context, out string? error)
    {
        error = null;
        if (context == null)
        {
            error = "ADDR_RESOLVED but the id has no device";
            return false;
        }

        if (_context != null)
        {
            if (context != _context)
            {
                error = "qpairs resolved to different devices (this workload uses one)";
                return false;
            }

            return true;
        }

        _context = context;
        if (context.QueryDevice(out var attr) == Errno.Ok && attr.MaxQpRdAtom > 0)
        {
            ReadDepth = (byte)Math.Min(ReadDepthMax, attr.MaxQpRdAtom);
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

    /// <summary>Something moved forward (stall detection).</summary>
    public void NoteProgress() => _lastProgressNs = Stack.Clock.NowNs;

    /// <summary>Where every qpair is (for stall reports).</summary>
    public string DescribeConnections() => string.Join("; ", _conns.Select(c => c.Describe()));

    private int PollCm()
    {
        if (Finished || _channel == null)
        {
            return 0;
        }

        var work = 0;
        while (work < CmEventsPerPollMax && _channel.GetEvent(out var ev) == Errno.Ok)
        {
            work++;
            _stats.CmEvents++;
            if (ev!.Id.Context is HostConnection conn)
            {
                conn.OnCmEvent(ev.EventType, ev.Status, ev.Param.PrivateData.Span);
            }
            else
            {
                _monitor.Report(WorkloadMonitor.Protocol, $"host: CM event {ev} for an id that is not a qpair of this host");
            }

            var rc = Stack.Cm.AckEvent(ev);
            if (rc != Errno.Ok)
            {
                _monitor.Report(WorkloadMonitor.Protocol, $"host: rdma_ack_cm_event({ev}) failed: {Errno.Name(rc)}");
            }

            NoteProgress();
        }

        while (_context != null && _context.GetAsyncEvent(out var aev) == Errno.Ok)
        {
            _context.AckAsyncEvent(aev);
            _stats.AsyncEvents++;
            work++;
        }

        var now = Stack.Clock.NowNs;
        var allDone = true;
        var allClosed = true;
        foreach (var conn in _conns)
        {
            work += conn.Progress(now);
            allDone &= conn.OpsDone;
            allClosed &= conn.State == HostConnectionState.Closed;
        }

        if (allDone && !ShuttingDown)
        {
            ShuttingDown = true;
            work++;
        }

        if (allClosed)
        {
            Release();
            return work + 1;
        }

        if (now - _lastProgressNs > _o.StallTimeoutNs)
        {
            _monitor.Report(WorkloadMonitor.NoProgress,
                $"host: nothing completed for {(now - _lastProgressNs) / 1_000_000_000.0:0.#} s of stack time ({DescribeConnections()})");
        }

        return work;
    }

    private int PollCq() => Cq == null || Finished ? 0 : SharedCq.Poll(Cq, _wcs, _conns, _monitor, "host");

    /// <summary>Issues operations round-robin over the qpairs until each is at its queue depth or quota.</summary>
    private int PollSubmit()
    {
        if (ShuttingDown || Finished)
        {
            return 0;
        }

        var issued = 0;
        for (var k = 0; k < _conns.Count; k++)
        {
            var conn = _conns[(_nextSubmit + k) % _conns.Count];
            while (conn.TryIssue())
            {
                issued++;
            }
        }

        _nextSubmit = (_nextSubmit + 1) % _conns.Count;
        return issued;
    }

    private void Release()
    {
        Finished = true;
        SharedCq.Release(Cq, Pd, _channel, _monitor, "host");
        OnFinished?.Invoke();
    }
}
