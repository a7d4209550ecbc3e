using System.Globalization;
using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.Transport.Nvmf;
using Harness.Transport.Target;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>
/// The NVMe-oF workload: on the target stack, SPDK's RDMA transport (<see cref="NvmfRdmaTransport"/>) in front of the
/// generic controller layer (<see cref="NvmfTarget"/>), its invariants checked after every poll of its reactors
/// (<see cref="NvmfTargetSide"/>); on the host stack, an <see cref="INvmeHostDriver"/> (one controller,
/// <see cref="NvmfWorkloadOptions.Qpairs"/> I/O qpairs, each polled by its own reactor together with this workload's
/// submitter) doing <see cref="NvmfWorkloadOptions.Ios"/> Reads and Writes at queue depth
/// <see cref="NvmfWorkloadOptions.QueueDepth"/>, every read checked against the <see cref="LbaModel"/>. A dead qpair's
/// commands each complete once as aborted and the driver reconnects; at the end the host shuts the controller down and
/// the target must have destroyed every qpair, controller and buffer. <see cref="ForHost"/> builds the host role alone
/// (the target runs in another process, on another machine).
/// </summary>
public sealed partial class NvmfWorkload : INvmeHostSink
{
    /// <summary>Poll groups (target reactors for qpairs) at most.</summary>
    public const int PollGroupsMax = 2;

    private readonly NvmfWorkloadOptions _o;
    private readonly WorkloadMonitor _monitor = new();
    private readonly IRdmaStack _host;
    private readonly IReactorRuntime _reactors;
    private readonly IWorkloadRandom _random;
    private readonly LbaModel _model;
    private readonly QpairLoad[] _loads;
    private readonly NvmfTargetSide? _target;
    private readonly List<(IReactor Reactor, IPoller Poller)> _pollers = new();
    private long _lastProgressNs;
    private long _lastCmEvents;
    private long _hostClosedAtNs = -1;
    private bool _shutdownStarted;
    private bool _started;
    private bool _done;

    /// <summary>
    /// Builds both sides; <paramref name="driverFactory"/> makes the host from the options this workload derives (default:
    /// <see cref="NvmeRdmaHostDriver"/>, the host transport of src/Transport/Host); <paramref name="targetProbe"/> sees
    /// every event of the target transport (coverage).
    /// </summary>
    public NvmfWorkload(NvmfWorkloadOptions options, IRdmaStack target, IRdmaStack host, IReactorRuntime reactors, IWorkloadRandom random,
        Action<string>? targetLog = null, Func<NvmeHostDriverOptions, INvmeHostSink, INvmeHostDriver>? driverFactory = null, ITargetObserver? targetProbe = null)
        : this(options, () => new NvmfTargetSide(options, target ?? throw new ArgumentNullException(nameof(target)), targetLog, targetProbe), host, reactors, random, driverFactory)
    {
    }

    private NvmfWorkload(NvmfWorkloadOptions options, Func<NvmfTargetSide>? target, IRdmaStack host, IReactorRuntime reactors, IWorkloadRandom random,
        Func<NvmeHostDriverOptions, INvmeHostSink, INvmeHostDriver>? driverFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(host);
        var invalid = options.Validate();
        if (invalid != null)
        {
            throw new ArgumentException(invalid, nameof(options));
        }

        _o = options;
        _host = host;
        _reactors = reactors;
        _random = random;
        Stats = new WorkloadStats { Ios = options.Ios };
        _model = new LbaModel(options.Extents, options.ExtentBlocks);
        _target = target?.Invoke();
        Driver = (driverFactory ?? ((o, sink) => new NvmeRdmaHostDriver(host, o, sink)))(HostDriverOptions(options), this);
        var slotBytes = options.ExtentBlocks * NvmfWorkloadOptions.BlockBytes;
        _loads = new QpairLoad[options.Qpairs];
        for (var i = 0; i < options.Qpairs; i++)
        {
            // A compare-and-write's Compare data sits in a second run of slots after the first (only when pairs are drawn,
            // so that other runs keep their memory layout).
            var slotRuns = options.CompareAndWriteFraction > 0 ? 2 : 1;
            _loads[i] = new QpairLoad(i, options.QuotaOf(i), options.QueueDepth, slotBytes, host.Memory.Allocate(slotRuns * options.QueueDepth * slotBytes));
        }
    }

    /// <summary>
    /// The host role alone: the driver connects to <see cref="NvmfWorkloadOptions.TargetAddress"/>, where a target runs
    /// elsewhere; the run is finished when the host shut its controller down (the target's teardown is that target's
    /// business). Everything else (I/O, data verification, the host's oracle) is as in the two-sided workload.
    /// </summary>
    public static NvmfWorkload ForHost(NvmfWorkloadOptions options, IRdmaStack host, IReactorRuntime reactors, IWorkloadRandom random,
        Func<NvmeHostDriverOptions, INvmeHostSink, INvmeHostDriver>? driverFactory = null) =>
        new(options, null, host, reactors, random, driverFactory);

    public NvmfWorkloadOptions Options => _o;

    public WorkloadStats Stats { get; }

    /// <summary>The target role, or null for a host-only workload (<see cref="ForHost"/>).</summary>
    public NvmfTargetSide? Target => _target;

    /// <summary>The target's controller layer (two-sided workloads only).</summary>
    public NvmfTarget Controller => RequireTarget().Controller;

    /// <summary>The target's RDMA transport (two-sided workloads only).</summary>
    public NvmfRdmaTransport Transport => RequireTarget().Transport;

    /// <summary>The host.</summary>
    public INvmeHostDriver Driver { get; }

    /// <summary>Target log lines and the first errors among them.</summary>
    internal TargetObserver TargetLog => RequireTarget().Observer;

    /// <summary>The first invariant that broke (workload or host driver), or null. Target invariants throw instead.</summary>
    public WorkloadViolation? Violation => _monitor.Violation;

    /// <summary>True when the run is over: everything torn down on both sides (the host's side alone for a host-only workload), or an invariant broke.</summary>
    public bool Finished => _done || _monitor.Broken;

    /// <summary>Starts the target (listening, its reactors), the host's reactors and the controller connect.</summary>
    public void Start()
    {
        if (_started)
        {
            return;
        }

        _started = true;
        _lastProgressNs = _host.Clock.NowNs;
        _target?.Start(_reactors);
        Driver.Start();
        foreach (var load in _loads)
        {
            var rc = Driver.RegisterMemory(load.Data);
            if (rc != Errno.Ok)
            {
                _monitor.Report(WorkloadMonitor.Protocol, $"host: registering the data of qpair {load.Index} failed: {Errno.Name(rc)}");
            }
        }

        var admin = _reactors.CreateReactor("host.admin");
        Add(admin, Driver.AdminPoller);
        Add(admin, new FuncPoller("harness.monitor", PollMonitor, MonitorNextRunNs));
        foreach (var load in _loads)
        {
            var reactor = _reactors.CreateReactor(string.Create(CultureInfo.InvariantCulture, $"host.q{load.Index + 1}"));
            Add(reactor, Driver.GetQpairPoller(load.Index));
            Add(reactor, new FuncPoller(string.Create(CultureInfo.InvariantCulture, $"harness.submit.q{load.Index + 1}"), () => PollSubmit(load), SubmitNextRunNs));
        }
    }

    /// <summary>Removes the host-side pollers (after the run) and frees the data buffers once the host released them.</summary>
    public void Stop()
    {
        foreach (var (reactor, poller) in _pollers)
        {
            reactor.RemovePoller(poller);
        }

        _pollers.Clear();
        if (Driver.IsClosed)
        {
            foreach (var load in _loads)
            {
                _host.Memory.Free(load.Data);
            }
        }
    }

    /// <summary>Where the host and the target are (for stall and failure reports).</summary>
    public string DescribeState()
    {
        var ios = string.Join(", ", _loads.Select(l => string.Create(CultureInfo.InvariantCulture, $"q{l.Index + 1} {l.Issued}/{l.Quota} issued, {l.InFlight} in flight")));
        return _target == null
            ? $"{Driver.Describe()}; workload: {ios}"
            : $"{Driver.Describe()}; workload: {ios}; {_target.Describe()}";
    }

    /// <inheritdoc/>
    public void OnViolation(string invariant, string detail) => _monitor.Report(invariant, detail);

    private static NvmeHostDriverOptions HostDriverOptions(NvmfWorkloadOptions o) => new()
    {
        TargetAddress = o.TargetAddress,
        IoQpairs = o.Qpairs,
        IoQueueDepth = o.HostQueueEntries,
        ReadDepth = o.HostReadDepth,
        RnrRetryCount = o.HostRnrRetryCount,
        RecvRepostDelayNs = o.HostRecvRepostDelayNs,
        TimeoutAction = o.HostTimeoutAction,
        IoTimeoutNs = o.HostIoTimeoutNs,
        RdmaSrqSize = o.HostRdmaSrqSizeEffective,
        Defects = o.HostDefects,
        ControllerActions = o.ControllerActions,
    };

    private void Add(IReactor reactor, IPoller poller)
    {
        reactor.AddPoller(poller);
        _pollers.Add((reactor, poller));
    }

    /// <summary>Starts the shutdown when every I/O is done, waits for both sides to be torn down, watches for stalls.</summary>
    private int PollMonitor()
    {
        if (_done)
        {
            return 0;
        }

        var now = _host.Clock.NowNs;
        if (Driver.Counters.CmEvents != _lastCmEvents)
        {
            _lastCmEvents = Driver.Counters.CmEvents;
            _lastProgressNs = now;
        }

        if (!_shutdownStarted && Array.TrueForAll(_loads, l => l.Done))
        {
            _shutdownStarted = true;
            Driver.Shutdown();
            return 1;
        }

        if (Driver.IsClosed)
        {
            return WaitForTarget(now);
        }

        if (now - _lastProgressNs > _o.StallTimeoutNs)
        {
            _monitor.Report(WorkloadMonitor.NoProgress, string.Create(CultureInfo.InvariantCulture,
                $"nothing completed for {(now - _lastProgressNs) / 1e9:0.#} s of virtual time ({DescribeState()})"));
            _done = true;
        }

        return 0;
    }

    /// <summary>When a quarantined extent is next released for the submitters (none once they stopped issuing).</summary>
    private long SubmitNextRunNs()
    {
        var next = new NextRun(_host.Clock.NowNs);
        if (!_monitor.Broken && !_shutdownStarted)
        {
            next.Add(_model.NextReleaseNs);
        }

        return next.Ns;
    }

    /// <summary>The monitor's deadlines: the stall bound while the host runs, the target's teardown bound after it closed.</summary>
    private long MonitorNextRunNs()
    {
        if (_done)
        {
            return ITimedPoller.Never;
        }

        var next = new NextRun(_host.Clock.NowNs);
        next.Add(Driver.IsClosed && _hostClosedAtNs >= 0
            ? _hostClosedAtNs + _o.TargetTeardownTimeoutNs + 1
            : _lastProgressNs + _o.StallTimeoutNs + 1);
        return next.Ns;
    }

    private int WaitForTarget(long now)
    {
        if (_target == null)
        {
            _done = true; // host-only: the host shut down and released everything; the target is another process's
            return 1;
        }

        _hostClosedAtNs = _hostClosedAtNs < 0 ? now : _hostClosedAtNs;
        if (_target.Idle)
        {
            foreach (var leak in _target.FindUnreleased())
            {
                _monitor.Report(WorkloadMonitor.ResourceLeak, leak);
            }

            _done = true;
            return 1;
        }

        if (now - _hostClosedAtNs > _o.TargetTeardownTimeoutNs)
        {
            _monitor.Report(WorkloadMonitor.ResourceLeak, _target.StillLive(string.Create(CultureInfo.InvariantCulture,
                $"{(now - _hostClosedAtNs) / 1e9:0.#} s after the host disconnected and destroyed everything")));
            _done = true;
        }

        return 0;
    }

    private NvmfTargetSide RequireTarget() =>
        _target ?? throw new InvalidOperationException("a host-only NVMe-oF workload has no target side (it runs in another process)");
}
