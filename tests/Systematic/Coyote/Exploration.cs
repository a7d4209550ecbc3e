using System.Diagnostics;
using Microsoft.Coyote.SystematicTesting;

namespace Harness.Tests.Systematic.Coyote;

/// <summary>
/// Runs a scenario through Coyote's <see cref="TestingEngine"/> inside an xunit test: explores schedules (or replays a
/// saved one), writes a found bug's reproducible trace to a file, and reports what it found. Refuses to run on
/// assemblies that were not rewritten, since Coyote would then report false deadlocks and miss real races.
/// </summary>
public static class Exploration
{
    /// <summary>
    /// Explores <paramref name="scenario"/> (named <paramref name="test"/>) with <paramref name="settings"/>; when
    /// HARNESS_COYOTE_REPLAY names a trace of this test, replays that trace instead.
    /// </summary>
    public static ExplorationResult Run(string test, Func<Task> scenario, ExplorationSettings settings)
    {
        RewritingGuard.ThrowIfNotRewritten();
        if (settings.ReplayFile is { } replay && Path.GetFileName(replay).StartsWith(test + ".", StringComparison.Ordinal))
        {
            return Replay(test, scenario, settings, File.ReadAllText(replay));
        }

        LastSchedule.Clear();
        var clock = Stopwatch.StartNew();
        using var engine = TestingEngine.Create(settings.ToConfiguration(), scenario);
        engine.Run();
        return Result(test, engine, settings, clock.Elapsed.TotalSeconds, replayed: false, saveTrace: true);
    }

    /// <summary>Replays <paramref name="trace"/> (a reproducible trace Coyote wrote) once.</summary>
    public static ExplorationResult Replay(string test, Func<Task> scenario, ExplorationSettings settings, string trace)
    {
        RewritingGuard.ThrowIfNotRewritten();
        LastSchedule.Clear();
        var clock = Stopwatch.StartNew();
        var config = settings.ToConfiguration().WithTestingIterations(1).WithReproducibleTrace(trace);
        using var engine = TestingEngine.Create(config, scenario);
        engine.Run();
        return Result(test, engine, settings, clock.Elapsed.TotalSeconds, replayed: true, saveTrace: false);
    }

    private static ExplorationResult Result(string test, TestingEngine engine, ExplorationSettings settings, double seconds, bool replayed, bool saveTrace)
    {
        var report = engine.TestReport;
        var bugs = report.BugReports.OrderBy(b => b, StringComparer.Ordinal).ToList();
        var uncontrolled = report.UncontrolledInvocations.OrderBy(u => u, StringComparer.Ordinal).ToList();
        string? traceFile = null;
        if (saveTrace && report.NumOfFoundBugs > 0 && !string.IsNullOrEmpty(engine.ReproducibleTrace))
        {
            Directory.CreateDirectory(settings.TraceDirectory);
            traceFile = Path.Combine(settings.TraceDirectory, $"{test}.{settings.Strategy}.seed{settings.Seed}.trace.json");
            File.WriteAllText(traceFile, engine.ReproducibleTrace);
        }

        if (settings.PointsFile != null)
        {
            SchedulingPointReport.Write(settings.PointsFile, test, report.CoverageInfo.SchedulingPointStackTraces);
        }

        var iterations = (long)report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths;
        var steps = (long)report.TotalExploredFairSteps + report.TotalExploredUnfairSteps;
        var state = report.NumOfFoundBugs > 0 ? LastSchedule.Describe() : null;
        return new ExplorationResult(test, settings, iterations, seconds, bugs, uncontrolled, traceFile, replayed, iterations == 0 ? 0 : steps / iterations)
        {
            FailingState = state,
        };
    }
}
