using System.Globalization;
using Harness.HardwareRunner.Reports;
using Harness.HardwareRunner.Workloads;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness run --junit FILE</c>: the run as a JUnit report (the project's <see cref="JUnitWriter"/>, written
/// atomically). A simulated run is one case; a hardware run adds its fault actions and NIC counters
/// (<see cref="Hardware.HardwareReport"/>). The path is checked before the run starts (<see cref="RunOutputs"/>), so a
/// bad path is a usage error (exit 2) and never the end of a long run.
/// </summary>
internal static class RunJUnit
{
    /// <summary>The report of a simulated run: one case, its verdict, the summary as its output.</summary>
    public static JUnitReport ForSimulation(RunSettings s, WorkloadViolation? violation, string summary, string traceHash, TimeSpan wall)
    {
        var suite = new JUnitSuite($"harness.run.{s.Backend}");
        foreach (var p in CommonProperties(s))
        {
            suite.Properties.Add(p);
        }

        suite.Properties.Add(new("trace-hash", traceHash));
        suite.Cases.Add(Case(s, suite.Name, string.Create(CultureInfo.InvariantCulture, $"{s.Workload} seed {s.Seed} faults {s.Faults}"), violation, summary, wall));
        var report = new JUnitReport("harness run");
        report.Suites.Add(suite);
        return report;
    }

    /// <summary>The run's properties shared by both backends.</summary>
    public static IEnumerable<KeyValuePair<string, string>> CommonProperties(RunSettings s)
    {
        var inv = CultureInfo.InvariantCulture;
        yield return new("seed", s.Seed.ToString(inv));
        yield return new("backend", s.Backend);
        yield return new("workload", s.Workload);
        yield return new("faults", s.Faults);
        yield return new("ios", s.Ios.ToString(inv));
        yield return new("qpairs", s.Qpairs.ToString(inv));
        yield return new("qd", s.QueueDepth.ToString(inv));
        yield return new("io-size", s.IoSize.ToString(inv));
        yield return new("defects", s.Defects.Count == 0 ? "none" : string.Join(",", s.Defects));
        yield return new("replay", s.ReplayCommand());
    }

    /// <summary>The run's own case: passed, or failed with the invariant as its type.</summary>
    public static JUnitCase Case(RunSettings s, string className, string name, WorkloadViolation? violation, string summary, TimeSpan wall) => new()
    {
        ClassName = className,
        Name = name,
        Time = wall,
        Outcome = violation == null ? JUnitOutcome.Passed : JUnitOutcome.Failed,
        FailureType = violation?.Invariant,
        Message = violation == null ? null : $"invariant broken: {violation.Invariant}: {violation.Detail.Split('\n', 2)[0]}",
        Details = violation == null ? null : $"{violation}\nreplay: {s.ReplayCommand()}",
        SystemOut = summary,
    };
}
