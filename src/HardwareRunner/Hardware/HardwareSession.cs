using System.Diagnostics;
using System.Globalization;
using Harness.HardwareRunner.Backends;
using Harness.HardwareRunner.Cli;
using Harness.HardwareRunner.Workloads;
using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Sim.Core;
using Harness.Transport.Invariants;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// One process's hardware run: the role's side(s) of the NVMe-oF workload on the stack, driven through an
/// <see cref="ISessionLoop"/> (on hardware every reactor in turn on the calling thread, as the simulator's cooperative
/// mode: the workload, its oracle and the fault executors are single-threaded by design), the target's invariants after
/// every poll, the fault executors of the role's side(s), the same verdicts as a simulated run. The seed draws the I/O
/// sequence and the host's preemption points as in the simulator; time is the stack's clock (the machine's monotonic one).
/// <see cref="Run"/> is <see cref="Start"/> then <see cref="RunToEnd"/>.
/// </summary>
public sealed class HardwareSession
{
    /// <summary>Name of the target's log and fault node in the trace.</summary>
    public const string TargetNode = "target";

    /// <summary>Name of the host's.</summary>
    public const string HostNode = "host";

    private readonly HardwareRunOptions _o;
    private readonly IRdmaStack _stack;
    private readonly ISessionLoop _loop;
    private readonly HardwareRecorder _recorder;
    private readonly HardwareStop _stop;
    private readonly Stopwatch _wall = new();
    private FaultingHostDriver? _hostDriver;
    private FaultActionExecutor? _targetExecutor;
    private TargetSessions? _sessions;
    private WorkloadViolation? _startViolation;
    private long _deadlineNs = long.MaxValue;
    private bool _started;

    public HardwareSession(HardwareRunOptions options, IRdmaStack stack, ISessionLoop loop, HardwareRecorder recorder, HardwareStop stop)
    {
        _o = options ?? throw new ArgumentNullException(nameof(options));
        _stack = stack ?? throw new ArgumentNullException(nameof(stack));
        _loop = loop ?? throw new ArgumentNullException(nameof(loop));
        _recorder = recorder ?? throw new ArgumentNullException(nameof(recorder));
        _stop = stop ?? throw new ArgumentNullException(nameof(stop));
    }

    /// <summary>The workload once built (host and loopback roles).</summary>
    public NvmfWorkload? Workload { get; private set; }

    /// <summary>The target once built (target and loopback roles).</summary>
    public NvmfTargetSide? Target { get; private set; }

    /// <summary>Where the run is (for a watchdog's report; read from another thread, so approximate).</summary>
    public string DescribeState() => Workload?.DescribeState() ?? Target?.Describe() ?? "not started";

    /// <summary>Runs the role to its end and returns what happened.</summary>
    public HardwareOutcome Run()
    {
        Start();
        return RunToEnd();
    }

    /// <summary>Builds and starts the role's side(s) and executors (the target listens, the host starts connecting).</summary>
    public void Start()
    {
        Check.That(!_started, InvariantNames.StateTransition, this, _ => "hardware session: started twice");
        _started = true;
        _wall.Start();
        _startViolation = Drive(() =>
        {
            if (_o.Role == HardwareRole.Target)
            {
                StartTarget();
            }
            else
            {
                StartHost();
            }

            return null;
        });
    }

    /// <summary>Runs until the role's end (host: the workload finished; target: sessions, duration or a stop), then tears down and reports.</summary>
    public HardwareOutcome RunToEnd()
    {
        Check.That(_started, InvariantNames.StateTransition, this, _ => "hardware session: run before start");
        if (_o.Role != HardwareRole.Target)
        {
            var workload = Workload;
            var violation = _startViolation ?? (workload == null ? null : Drive(() =>
            {
                _loop.RunUntil(() => workload.Finished || _stop.Requested);
                return workload.Violation ?? Interrupted(workload);
            }));
            workload?.Stop();
            return Finish(violation, workload?.Finished == true ? "workload finished" : "run stopped") with { Workload = workload };
        }

        string? endedBy = null;
        var broken = _startViolation ?? Drive(() =>
        {
            _loop.RunUntil(TargetDone);
            endedBy = _stop.Reason ?? (SessionsDone ? $"{_sessions!.Ended} host session(s) ended" : "--duration reached");
            return TearDownTarget(Target!) ?? (_sessions!.Leak is { } leak ? new WorkloadViolation(WorkloadMonitor.ResourceLeak, leak) : null);
        });
        return Finish(broken, endedBy ?? "run stopped") with { SessionsEnded = _sessions?.Ended ?? 0, EndedBy = endedBy };
    }

    private bool SessionsDone => _o.Sessions > 0 && _sessions!.Ended >= _o.Sessions;

    private bool TargetDone() => _stop.Requested || SessionsDone || _stack.Clock.NowNs >= _deadlineNs;

    private void StartHost()
    {
        var streams = new RandomStreams(_o.Seed);
        var random = new SimWorkloadRandom(streams);
        var preemption = streams.Stream(NvmfRun.PreemptionStream);
        NvmfWorkload? workload = null;
        INvmeHostDriver Factory(NvmeHostDriverOptions o, INvmeHostSink sink)
        {
            var inner = new NvmeRdmaHostDriver(_stack, o with
            {
                PreemptAdmin = () => preemption.Chance(NvmfRun.AdminPreemptionProbability),
                Log = line => _recorder.Log(HostNode, line),
                RetryCount = _o.Faults.RetryCount ?? o.RetryCount,
            }, sink);
            _hostDriver = new FaultingHostDriver(inner, NewExecutor, () => workload?.Stats.Done ?? 0);
            return _hostDriver;
        }

        workload = _o.Role == HardwareRole.Loopback
            ? new NvmfWorkload(_o.Workload, _stack, _stack, _loop.Reactors, random, line => _recorder.Log(TargetNode, line), Factory)
            : NvmfWorkload.ForHost(_o.Workload, _stack, _loop.Reactors, random, Factory);
        Workload = workload;
        Target = workload.Target;
        workload.Start();
        AttachTargetExecutor();
    }

    private void StartTarget()
    {
        var target = new NvmfTargetSide(_o.Workload, _stack, line => _recorder.Log(TargetNode, line));
        Target = target;
        var sessions = new TargetSessions(target, _stack.Clock, _recorder.Note);
        _sessions = sessions;
        _deadlineNs = _o.DurationNs > 0 ? _stack.Clock.NowNs + _o.DurationNs : long.MaxValue;
        target.Start(_loop.Reactors);
        AttachTargetExecutor();
        _loop.Reactors.CreateReactor("harness.sessions").AddPoller(new FuncPoller("harness.sessions", sessions.Poll, () => sessions.NextRunNs));
    }

    /// <summary>Disconnects every live qpair and waits (bounded) for the target to destroy them; a leak is a violation.</summary>
    private WorkloadViolation? TearDownTarget(NvmfTargetSide target)
    {
        foreach (var q in target.Transport.Qpairs.Where(q => !q.Destroyed && !q.DisconnectStarted).ToList())
        {
            q.Disconnect();
        }

        var deadline = _stack.Clock.NowNs + _o.TeardownNsMax;
        _loop.RunUntil(() => target.Idle || _stack.Clock.NowNs >= deadline); // a poller's exception is Drive's verdict
        if (!target.Idle)
        {
            return new WorkloadViolation(WorkloadMonitor.ResourceLeak,
                target.StillLive(string.Create(CultureInfo.InvariantCulture, $"{_o.TeardownNsMax / 1e9:0.#} s after it disconnected them at the end of the run")));
        }

        return target.FindUnreleased().FirstOrDefault() is { } leak ? new WorkloadViolation(WorkloadMonitor.ResourceLeak, leak) : null;
    }

    /// <summary>The target side's executor on a reactor of its own (target and loopback roles).</summary>
    private void AttachTargetExecutor()
    {
        if (Target == null)
        {
            return;
        }

        _targetExecutor = NewExecutor(new TargetFaultSite(Target));
        _loop.Reactors.CreateReactor("harness.faults.target").AddPoller(new FuncPoller("harness.faults.target", _targetExecutor.Poll));
    }

    private FaultActionExecutor NewExecutor(FaultSite site) => new(site, _o.Faults.Actions, _o.Workload.Ios, _o.Workload.Qpairs,
        _o.Workload.ToTargetOptions().InCapsuleDataSize, _o.Workload.TargetIoUnitBytes, _stack.Clock, _recorder.Fault);

    /// <summary>Runs <paramref name="body"/>, turning what the transports throw into verdicts (as a simulated run does).</summary>
    private static WorkloadViolation? Drive(Func<WorkloadViolation?> body)
    {
        try
        {
            return body();
        }
        catch (InvariantViolationException e)
        {
            return new WorkloadViolation(e.Invariant, e.Detail);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new WorkloadViolation("crash", e.ToString());
        }
    }

    private WorkloadViolation? Interrupted(NvmfWorkload workload) => workload.Finished
        ? null
        : new WorkloadViolation("interrupted", $"{_stop.Reason ?? "stopped"} before the workload finished ({workload.DescribeState()})");

    private HardwareOutcome Finish(WorkloadViolation? violation, string why)
    {
        _wall.Stop();
        var injected = new List<InjectedAction>();
        injected.AddRange(_hostDriver?.Executor.Finish(why) ?? []);
        injected.AddRange(_targetExecutor?.Finish(why) ?? []);
        if (violation != null)
        {
            _recorder.Violation(violation.Invariant, violation.Detail.Split('\n', 2)[0]);
        }

        return new HardwareOutcome { Violation = violation, Target = Target, Injected = injected, Wall = _wall.Elapsed };
    }
}
