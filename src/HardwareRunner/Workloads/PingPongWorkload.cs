using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// A two-host RDMA workload with data verification, written only against the verbs/RDMA CM/reactor abstractions so
/// it runs on any backend: the target listens; the host opens <see cref="WorkloadOptions.Qpairs"/> connections (all
/// ids on one shared event channel per side) and performs <see cref="WorkloadOptions.Ios"/> operations at queue depth
/// <see cref="WorkloadOptions.QueueDepth"/> — RDMA WRITE + request SEND answered by a response SEND, or RDMA READ of a
/// written block verified against a model — then tears everything down and checks nothing is left. Each side runs as
/// pollers on its own reactor. A failed qpair is reported, not fatal; a broken invariant stops the run.
/// </summary>
public sealed class PingPongWorkload
{
    private readonly WorkloadMonitor _monitor = new();
    private readonly TargetSide _target;
    private readonly HostSide _host;
    private readonly IReactorRuntime _reactors;
    private IReactor? _targetReactor;
    private IReactor? _hostReactor;

    public PingPongWorkload(WorkloadOptions options, IRdmaStack target, IRdmaStack host, IReactorRuntime reactors, IWorkloadRandom random)
    {
        var invalid = options.Validate();
        if (invalid != null)
        {
            throw new ArgumentException(invalid, nameof(options));
        }

        Options = options;
        Stats = new WorkloadStats { Ios = options.Ios };
        _reactors = reactors;
        _target = new TargetSide(target, options, _monitor, Stats);
        _host = new HostSide(host, options, _monitor, Stats, random);
        _host.OnFinished = _target.RequestShutdown;
    }

    public WorkloadOptions Options { get; }

    public WorkloadStats Stats { get; }

    /// <summary>The first invariant that broke, or null.</summary>
    public WorkloadViolation? Violation => _monitor.Violation;

    /// <summary>True when the run is over: everything torn down, or an invariant broke.</summary>
    public bool Finished => _monitor.Broken || (_host.Finished && _target.Finished);

    /// <summary>Creates the two reactors, starts listening and connecting.</summary>
    public void Start()
    {
        _targetReactor = _reactors.CreateReactor("target");
        _hostReactor = _reactors.CreateReactor("host");
        _target.Start(_targetReactor);
        _host.Start(_hostReactor);
    }

    /// <summary>Removes the pollers, so the reactors go quiet.</summary>
    public void Stop()
    {
        if (_targetReactor != null)
        {
            _target.Stop(_targetReactor);
        }

        if (_hostReactor != null)
        {
            _host.Stop(_hostReactor);
        }
    }

    /// <summary>Where every qpair is (for stall and failure reports).</summary>
    public string DescribeState() => _host.DescribeConnections();
}
