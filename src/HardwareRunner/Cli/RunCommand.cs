using Stopwatch = System.Diagnostics.Stopwatch;
using System.Globalization;
using Harness.HardwareRunner.Backends;
using Harness.HardwareRunner.Workloads;
using Harness.Sim.Cm;
using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Sim.Tracing;
using Spectre.Console;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness run</c>: builds the backend, runs the ping-pong workload to the end, checks the oracle and prints the
/// summary, which always ends with <c>trace-hash: &lt;hex&gt;</c>.
/// </summary>
internal static class RunCommand
{
    /// <summary>Virtual time a run may take at most (a safety net behind the workload's own stall detection).</summary>
    public const long VirtualTimeLimitNs = 3_600_000_000_000;

    /// <summary>Events simulated between two progress-bar updates.</summary>
    private const int EventsPerProgressUpdate = 100_000;

    /// <summary>Runs with fewer operations finish too fast for a progress bar to help.</summary>
    private const int ProgressIosMin = 10_000;

    private const int FailureReasonsShownMax = 8;

    public static int Execute(RunSettings settings, TextWriter stdout, TextWriter stderr, bool interactive)
    {
        if (settings.Backend == BackendNames.Ibverbs)
        {
            return Usage(stderr, "--backend ibverbs: the native libibverbs/librdmacm backend is not built into this version yet (use --backend sim)");
        }

        var options = new WorkloadOptions
        {
            Ios = settings.Ios,
            Qpairs = settings.Qpairs,
            QueueDepth = settings.QueueDepth,
            IoSize = settings.IoSize,
            TargetAddress = SimBackend.TargetAddress,
        };
        var invalid = options.Validate();
        if (invalid != null)
        {
            return Usage(stderr, invalid);
        }

        var plan = FaultPlan.None;
        if (settings.Faults == FaultProfiles.Swarm)
        {
            // The same draw SimFabric's world would make: the swarm stream depends only on the seed.
            var swarm = SwarmProfile.Draw(new RandomStreams(settings.Seed));
            plan = new FaultPlan(Array.Empty<ScriptedFault>(), swarm);
            stdout.WriteLine(swarm.Describe());
        }

        Trace? trace = null;
        if (settings.TracePath != null)
        {
            try
            {
                trace = new Trace(new FileStream(settings.TracePath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16), ownsStream: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return Usage(stderr, $"--trace {settings.TracePath}: cannot write the trace there: {e.Message}");
            }
        }

        using var backend = new SimBackend(new SimOptions { Seed = settings.Seed, Faults = plan }, trace);
        return RunSim(settings, options, backend, stdout, stderr, interactive);
    }

    private static int RunSim(RunSettings settings, WorkloadOptions options, SimBackend backend, TextWriter stdout, TextWriter stderr, bool interactive)
    {
        var fabric = backend.Fabric;
        fabric.World.Record(new TraceRecord
        {
            Kind = TraceKind.Note,
            Node = "harness",
            Text = string.Create(CultureInfo.InvariantCulture,
                $"workload ping-pong ios={options.Ios} qpairs={options.Qpairs} qd={options.QueueDepth} io-size={options.IoSize} faults={settings.Faults}"),
        });
        var random = new SimWorkloadRandom(fabric.World.Random.Stream(StreamNames.Workload));
        var workload = new PingPongWorkload(options, backend.Target, backend.Host, backend.Reactors, random);
        WorkloadViolation? violation = null;
        var wall = Stopwatch.StartNew();
        try
        {
            workload.Start();
            var outcome = interactive && options.Ios >= ProgressIosMin ? RunWithProgress(fabric, workload, stderr) : fabric.Run(VirtualTimeLimitNs, () => workload.Finished);
            violation = workload.Violation;
            if (violation == null && !workload.Finished)
            {
                violation = new WorkloadViolation(WorkloadMonitor.NoProgress, outcome == RunOutcome.Quiescent
                    ? $"nothing is left to happen but the workload is not finished ({workload.DescribeState()})"
                    : $"not finished after {VirtualTimeLimitNs / 1e9:0} s of virtual time ({workload.DescribeState()})");
            }
        }
        catch (SimulatedHangException e)
        {
            violation = new WorkloadViolation("hang", e.Message);
        }
        catch (Exception e)
        {
            // A crash inside the simulation or the workload is a finding too: report it with the command that replays it.
            violation = new WorkloadViolation("crash", e.ToString());
        }

        wall.Stop();
        workload.Stop();
        if (violation == null && SimLeakCheck.Find(fabric) is { } leak)
        {
            violation = new WorkloadViolation(WorkloadMonitor.ResourceLeak, leak);
        }

        if (violation != null)
        {
            var firstLine = violation.Detail.Split('\n', 2)[0];
            fabric.World.Record(new TraceRecord { Kind = TraceKind.Violation, Node = "harness", Op = violation.Invariant, Text = firstLine });
        }

        PrintSummary(settings, workload.Stats, fabric, wall.Elapsed, violation, stdout);
        if (violation != null)
        {
            stderr.WriteLine($"invariant broken: {violation}");
            stderr.WriteLine($"replay: {settings.ReplayCommand()}");
            return HarnessProgram.ExitInvariantBroken;
        }

        return HarnessProgram.ExitOk;
    }

    /// <summary>Runs in chunks, updating a progress bar on the (terminal) stderr. Same events, same order.</summary>
    private static RunOutcome RunWithProgress(Sim.Fabric.SimFabric fabric, PingPongWorkload workload, TextWriter stderr)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr) });
        var outcome = RunOutcome.Stopped;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("ios", maxValue: workload.Stats.Ios);
                while (!workload.Finished)
                {
                    var budget = EventsPerProgressUpdate;
                    outcome = fabric.Run(VirtualTimeLimitNs, () => workload.Finished || --budget <= 0);
                    task.Value = workload.Stats.Done;
                    if (outcome != RunOutcome.Stopped)
                    {
                        break;
                    }
                }
            });
        return outcome;
    }

    private static void PrintSummary(RunSettings s, WorkloadStats stats, Sim.Fabric.SimFabric fabric, TimeSpan wall, WorkloadViolation? violation, TextWriter o)
    {
        var inv = CultureInfo.InvariantCulture;
        var events = fabric.World.EventsProcessed;
        var seconds = Math.Max(wall.TotalSeconds, 1e-9);
        o.WriteLine(string.Create(inv, $"harness run: seed {s.Seed}, backend {s.Backend}, qpairs {s.Qpairs}, qd {s.QueueDepth}, io-size {s.IoSize} B, faults {s.Faults}"));
        o.WriteLine(string.Create(inv,
            $"ios: {stats.Ios} requested, {stats.Completed} completed, {stats.Failed} failed ({stats.FailedInFlight} in flight when their qpair failed, {stats.NotIssued} not issued); {stats.Writes} writes, {stats.Reads} reads"));
        o.WriteLine(string.Create(inv, $"qpairs: {stats.QpairsConnected} connected, {stats.QpairsFailed} failed"));
        for (var i = 0; i < Math.Min(stats.FailureReasons.Count, FailureReasonsShownMax); i++)
        {
            o.WriteLine("  " + stats.FailureReasons[i]);
        }

        if (stats.FailureReasons.Count > FailureReasonsShownMax)
        {
            o.WriteLine(string.Create(inv, $"  … and {stats.FailureReasons.Count - FailureReasonsShownMax} more"));
        }

        o.WriteLine(string.Create(inv, $"verified: {stats.VerifiedBytes} bytes read back and compared, {stats.TargetCheckedBytes} bytes checked by the target"));
        o.WriteLine(string.Create(inv, $"cm events: {stats.CmEvents}, async events: {stats.AsyncEvents}"));
        o.WriteLine(string.Create(inv, $"virtual time: {fabric.World.NowNs / 1e6:0.000} ms, simulated events: {events}"));
        o.WriteLine(string.Create(inv, $"wall time: {wall.TotalSeconds:0.000} s, {events / seconds:0} simulated events/s"));
        o.WriteLine(s.Defects.Count == 0
            ? "defects: none"
            : $"defects: {string.Join(", ", s.Defects)} (accepted; no effect yet: the transports they affect are not in this build)");
        o.WriteLine(violation == null ? "result: ok, no invariant broken" : $"result: INVARIANT BROKEN: {violation.Invariant}");
        o.WriteLine($"trace-hash: {fabric.Trace.HashHex}");
    }

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"harness run: {message}");
        stderr.WriteLine("usage: harness run --help");
        return HarnessProgram.ExitUsage;
    }
}
