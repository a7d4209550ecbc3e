using System.Globalization;
using Harness.Sim.Fabric;
using Harness.Sim.Oracle;
using Harness.Transport.Nvmf;
using Harness.Transport.Target;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>
/// The target role of the NVMe-oF workload: SPDK's RDMA transport (<see cref="NvmfRdmaTransport"/>) in front of the
/// generic controller layer (<see cref="NvmfTarget"/>), its invariants checked after every poll of its reactors
/// (<see cref="TargetReactorRuntime"/>), every destroyed qpair checked for leaks (<see cref="TargetObserver"/>).
/// <see cref="NvmfWorkload"/> holds one when it runs both roles (the simulator, a loopback run); a target-only run on
/// hardware holds one alone.
/// </summary>
public sealed class NvmfTargetSide
{
    private readonly NvmfWorkloadOptions _o;
    private bool _started;

    /// <summary>
    /// Builds the target on <paramref name="stack"/>; <paramref name="log"/> receives its SPDK-format log lines,
    /// <paramref name="probe"/> (coverage) every event of the transport.
    /// </summary>
    public NvmfTargetSide(NvmfWorkloadOptions options, IRdmaStack stack, Action<string>? log = null, ITargetObserver? probe = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stack);
        _o = options;
        Stack = stack;
        Observer = new TargetObserver(log, probe);
        var targetOptions = options.ToTargetOptions();
        Controller = new NvmfTarget(NvmfTargetOptions.ForTransport(targetOptions), stack.Clock);
        Transport = new NvmfRdmaTransport(stack, targetOptions, Controller, Observer);
    }

    /// <summary>The stack the target runs on.</summary>
    public IRdmaStack Stack { get; }

    /// <summary>The controller layer.</summary>
    public NvmfTarget Controller { get; }

    /// <summary>The RDMA transport.</summary>
    public NvmfRdmaTransport Transport { get; }

    /// <summary>Log lines and the first errors among them.</summary>
    internal TargetObserver Observer { get; }

    /// <summary>Qpairs not yet destroyed.</summary>
    public int LiveQpairs
    {
        get
        {
            var live = 0;
            var qpairs = Transport.Qpairs;
            for (var i = 0; i < qpairs.Count; i++)
            {
                live += qpairs[i].Destroyed ? 0 : 1;
            }

            return live;
        }
    }

    /// <summary>The target's invariants after each poll (null before <see cref="Start"/>).</summary>
    internal TargetOracle? Oracle { get; private set; }

    /// <summary>
    /// True when no qpair and no controller is left (every host went away and the target cleaned up), and, on the
    /// simulator, no CM event is still on its way to the target: a CONNECT_REQUEST delayed past the host's exit has
    /// already created its id, and the target still has to see it, answer it and destroy the id.
    /// </summary>
    public bool Idle => LiveQpairs == 0 && Controller.Controllers.Count == 0 && (Stack is not SimHost sim || sim.CmEventsInFlight == 0);

    /// <summary>
    /// Listens on <see cref="NvmfWorkloadOptions.TargetAddress"/> with min(qpairs, <see cref="NvmfWorkload.PollGroupsMax"/>)
    /// poll groups on <paramref name="reactors"/>.
    /// </summary>
    public void Start(IReactorRuntime reactors)
    {
        ArgumentNullException.ThrowIfNull(reactors);
        if (_started)
        {
            return;
        }

        _started = true;
        var groups = Math.Min(_o.Qpairs, NvmfWorkload.PollGroupsMax);
        var liveness = new DrainLiveness(Transport);
        Oracle = new TargetOracle(Transport, _o.CheckEveryPoll, liveness.Check);
        Transport.Start(new TargetReactorRuntime(reactors, Oracle.AfterPoll), groups, _o.TargetAddress);
    }

    /// <summary>Every data buffer and data WR back in its pool, or what is missing (call once every qpair is destroyed).</summary>
    public IEnumerable<string> FindUnreleased()
    {
        var buffers = Transport.Buffers;
        if (buffers != null && buffers.Available != buffers.Count)
        {
            yield return $"target: {buffers.Count - buffers.Available} of {buffers.Count} data buffers not returned after every qpair was destroyed";
        }

        var wrs = Transport.DataWrs;
        if (wrs.Available != wrs.Capacity)
        {
            yield return $"target: {wrs.Capacity - wrs.Available} of {wrs.Capacity} data WRs not returned after every qpair was destroyed";
        }
    }

    /// <summary>
    /// The leak report of a teardown that did not finish: the live qpairs with their states and the controllers left,
    /// <paramref name="since"/> saying how long after what.
    /// </summary>
    public string StillLive(string since)
    {
        var live = string.Join(", ", Transport.Qpairs.Where(q => !q.Destroyed).Select(q => $"{q} in state {q.GenericState}"));
        return string.Create(CultureInfo.InvariantCulture, $"target: {LiveQpairs} qpair(s) ({live}) and {Controller.Controllers.Count} controller(s) still live {since}");
    }

    /// <summary>One line for stall and failure reports.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"target: {LiveQpairs} qpair(s) live, {Controller.Controllers.Count} controller(s)");
}
