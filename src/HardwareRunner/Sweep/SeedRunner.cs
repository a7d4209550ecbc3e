using System.Globalization;
using Harness.HardwareRunner.Cli;
using Harness.Sim.Coverage;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace Harness.HardwareRunner.Sweep;

/// <summary>
/// Runs one seed through exactly what <c>harness run</c> runs (<see cref="RunCommand.Execute"/>, in-process, no progress
/// bar) and reads its verdict from what it prints: the fault line first, <c>trace-hash</c> last, and on exit 1 the
/// <c>invariant broken: NAME: detail</c> line. So a sweep's seed and <c>harness run --seed N</c> are the same run with the
/// same trace hash.
/// </summary>
public static class SeedRunner
{
    private const string BrokenPrefix = "invariant broken: ";
    private const string HashPrefix = "trace-hash: ";

    /// <summary>Runs <paramref name="seed"/>; adds where its time went into <paramref name="phases"/> if given.</summary>
    public static SeedResult Run(SweepSettings sweep, ulong seed, RunPhases? phases = null)
    {
        var coverage = sweep.CountsCoverage ? new CoverageMap() : null;
        var settings = sweep.RunOf(seed) with { Coverage = coverage, Phases = phases };
        var stdout = new StringWriter(CultureInfo.InvariantCulture);
        var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var wall = Stopwatch.StartNew();
        int exit;
        try
        {
            exit = RunCommand.Execute(settings, stdout, stderr, RunProgressOptions.None);
        }
        catch (Exception e)
        {
            // RunCommand turns crashes inside the simulation into a "crash" verdict; this is one outside it.
            exit = HarnessProgram.ExitInvariantBroken;
            stderr.WriteLine($"{BrokenPrefix}crash: {e}");
        }

        wall.Stop();
        var outLines = Lines(stdout);
        var errLines = Lines(stderr);
        var broken = errLines.FirstOrDefault(l => l.StartsWith(BrokenPrefix, StringComparison.Ordinal))?[BrokenPrefix.Length..];
        var colon = broken?.IndexOf(": ", StringComparison.Ordinal) ?? -1;
        return new SeedResult
        {
            Seed = seed,
            Exit = exit,
            Invariant = broken == null ? (exit == 0 ? null : "usage") : colon > 0 ? broken[..colon] : broken,
            Detail = broken == null ? (exit == 0 ? null : string.Join(" ", errLines)) : colon > 0 ? broken[(colon + 2)..] : broken,
            FaultLine = outLines.FirstOrDefault(l => l.StartsWith("faults: ", StringComparison.Ordinal)) ?? "faults: ?",
            TraceHash = outLines.LastOrDefault(l => l.StartsWith(HashPrefix, StringComparison.Ordinal))?[HashPrefix.Length..] ?? "?",
            Wall = wall.Elapsed,
            Replay = settings.ReplayCommand(),
            Output = stdout.ToString() + stderr,
            Coverage = coverage,
        };
    }

    private static string[] Lines(StringWriter w) => w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
