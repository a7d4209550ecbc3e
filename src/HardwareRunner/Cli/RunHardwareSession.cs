using Stopwatch = System.Diagnostics.Stopwatch;
using System.Globalization;
using Harness.HardwareRunner.Hardware;
using Harness.HardwareRunner.Native;
using Harness.HardwareRunner.Reports;
using Harness.HardwareRunner.Workloads;
using Trace = Harness.Sim.Tracing.Trace;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// A checked hardware run on an open native stack: prints the fault line and the hardware actions first, reads the
/// NIC counters, runs <see cref="HardwareSession"/> (SIGINT/SIGTERM ask it to stop; <c>--watchdog</c> bounds it; a
/// progress line every <see cref="ProgressPeriodNs"/> on stderr), reads the counters again, and ends as a simulated run
/// does: summary, result line, <c>trace-hash</c>, on a violation its name and the command that reruns the schedule, exit
/// 0 or 1 — plus the JUnit report with <c>--junit</c>.
/// </summary>
internal sealed class RunHardwareSession
{
    /// <summary>How often a running hardware run writes a progress line to stderr.</summary>
    public const long ProgressPeriodNs = 10_000_000_000;

    private readonly RunSettings _s;
    private readonly HardwareRunOptions _o;
    private readonly string _faultLine;
    private readonly NativeRdmaStack _stack;
    private readonly NativeReactorRuntime _reactors;
    private readonly TextWriter _stdout;
    private readonly TextWriter _stderr;
    private readonly Stopwatch _wall = new();
    private IReadOnlyList<NicPortCounters> _before = [];
    private HardwareRecorder? _recorder;
    private HardwareSession? _session;
    private int _reported;
    private long _nextProgressNs;

    public RunHardwareSession(RunSettings s, HardwareRunOptions o, string faultLine, NativeRdmaStack stack, NativeReactorRuntime reactors, TextWriter stdout, TextWriter stderr)
    {
        _s = s;
        _o = o;
        _faultLine = faultLine;
        _stack = stack;
        _reactors = reactors;
        _stdout = stdout;
        _stderr = stderr;
    }

    public int Execute()
    {
        _stdout.WriteLine(_faultLine);
        foreach (var line in _o.Faults.Describe())
        {
            _stdout.WriteLine(line);
        }

        _stdout.Flush();
        if (!RunCommand.TryOpenTrace(_s, _stderr, out var trace))
        {
            return HarnessProgram.ExitUsage;
        }

        using var recorder = new HardwareRecorder(trace?.Trace ?? new Trace(), _stack.Clock);
        _recorder = recorder;
        recorder.Note($"harness run {_s.ReplayCommand()}");
        _before = NicCounterReport.Take(Devices());
        using var stop = new HardwareStop();
        stop.HandleSignals();
        _session = new HardwareSession(_o, _stack, new NativeSessionLoop(_reactors), recorder, stop);
        _nextProgressNs = _stack.Clock.NowNs + ProgressPeriodNs;
        _reactors.CreateReactor("harness.progress").AddPoller(new FuncPoller("harness.progress", Progress));
        _wall.Start();
        HardwareOutcome outcome;
        using (_s.WatchdogSeconds is { } limit ? new HardwareWatchdog(TimeSpan.FromSeconds(limit), () => OnWatchdog(limit)) : null)
        {
            outcome = _session.Run();
        }

        return RunOutputs.CloseTrace(trace, Report(outcome), _stderr);
    }

    private IEnumerable<string> Devices() => _stack.VerbsImpl.Devices.Select(d => d.Name);

    /// <summary>Summary, JUnit, verdict on stderr, exit code — once (the watchdog may get there first).</summary>
    private int Report(HardwareOutcome outcome)
    {
        if (Interlocked.Exchange(ref _reported, 1) != 0)
        {
            Thread.Sleep(Timeout.Infinite); // the watchdog is reporting and ends the process
        }

        var counters = NicCounterReport.Delta(_before, NicCounterReport.Take(Devices()));
        var hash = _recorder!.HashHex;
        var summary = HardwareReport.Summary(_s, _o, outcome, counters, hash);
        _stdout.Write(summary);
        _stdout.Flush();
        if (outcome.Violation is { } v)
        {
            _stderr.WriteLine($"invariant broken: {v}");
            _stderr.WriteLine($"rerun (same seed, same fault schedule; real time does not repeat): {_s.ReplayCommand()}");
        }

        // Last, so that a report that cannot be written loses nothing of what the run said.
        var written = RunOutputs.WriteJunit(_s, () => HardwareReport.JUnit(_s, _o, outcome, counters, summary, hash), _stderr);
        _stderr.Flush();
        return !written ? HarnessProgram.ExitUsage : outcome.Violation == null ? HarnessProgram.ExitOk : HarnessProgram.ExitInvariantBroken;
    }

    /// <summary>The run outlived <c>--watchdog</c>: report it as a hang (with where it stands) and end the process.</summary>
    private void OnWatchdog(double limit)
    {
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"the run did not finish within --watchdog {limit:0.###} s ({_session?.DescribeState()}); a thread blocked in rdma_destroy_id is the shape of SPDK #3347 (look: gdb -p {Environment.ProcessId} -batch -ex 'thread apply all bt')");
        _recorder?.Violation(WorkloadMonitor.NoProgress, detail);
        var exit = Report(new HardwareOutcome
        {
            Violation = new WorkloadViolation("hang", detail),
            Workload = _session?.Workload,
            Target = _session?.Target,
            Wall = _wall.Elapsed,
        });
        Environment.Exit(exit);
    }

    /// <summary>A progress line every <see cref="ProgressPeriodNs"/> (a poller on its own reactor).</summary>
    private int Progress()
    {
        var now = _stack.Clock.NowNs;
        if (now < _nextProgressNs)
        {
            return 0;
        }

        _nextProgressNs = now + ProgressPeriodNs;
        var inv = CultureInfo.InvariantCulture;
        var host = _session?.Workload is { } w ? string.Create(inv, $"host {w.Stats.Done}/{w.Stats.Ios} I/Os done ({w.Stats.Failed} failed); ") : string.Empty;
        var target = _session?.Target is { } t ? string.Create(inv, $"target {t.LiveQpairs} qpair(s) live, {t.Controller.CommandsExecuted} commands; ") : string.Empty;
        _stderr.WriteLine(string.Create(inv, $"progress [{_wall.Elapsed.TotalSeconds:0} s]: {host}{target}role {_o.Role.ToName()}"));
        return 0;
    }
}
