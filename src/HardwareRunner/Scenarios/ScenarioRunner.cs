using Harness.Sim.Faults;
using Harness.Sim.Scenarios;
using Harness.Sim.Tracing;
using Harness.Transport.Target;

namespace Harness.HardwareRunner.Scenarios;

/// <summary>
/// Runs one loaded scenario and judges it against its expectation: a command list with <see cref="CommandRun"/>, a
/// random workload with <see cref="RandomRun"/>, an initial state (a core-dump snapshot) with <see cref="SnapshotScenario"/>.
/// Problems with the scenario itself (an option combination the workload rejects, a snapshot the simulated target
/// cannot hold) are <see cref="ScenarioFormatException"/>s naming the field, thrown before anything runs.
/// </summary>
public static class ScenarioRunner
{
    /// <summary>Runs <paramref name="document"/>; <paramref name="faultLine"/> is told the fault line first (before the run).</summary>
    public static ScenarioOutcome Run(ScenarioDocument document, ScenarioRunOptions? options = null, Action<string>? faultLine = null)
    {
        options ??= new ScenarioRunOptions();
        var s = document.Scenario;
        ScenarioExpectation.TryParse(s.Expect, out var expectation);
        var defects = Defects(s) | options.ExtraDefects;
        var trace = options.Trace ?? new Trace();
        if (s.InitialState != null)
        {
            return SnapshotScenario.Run(document, expectation, defects, trace, faultLine);
        }
        if (s.Random != null)
        {
            using var random = new RandomRun(document, defects, trace);
            random.Fabric.Capture = options.Capture;
            faultLine?.Invoke(random.FaultLine);
            var violation = Crashes(random.Run);
            return Outcome(s, expectation, violation, random.Fabric, random.Summary(), Array.Empty<string>());
        }

        using var run = new CommandRun(s, defects, trace);
        run.Fabric.Capture = options.Capture;
        faultLine?.Invoke("faults: " + (ScenarioText.DescribeFaults(s) is { Length: > 0 } f ? f : "none scripted"));
        var broken = Crashes(run.Run);
        return Outcome(s, expectation, broken, run.Fabric, run.Summary(), run.Notes);
    }

    /// <summary>The scenario's own defect switches.</summary>
    public static KnownDefects Defects(Scenario s) => KnownDefectNames.Fold(s.Defects);

    /// <summary>A crash inside the simulation, the transport or the workload is a finding too.</summary>
    private static (string, string)? Crashes(Func<(string, string)?> run)
    {
        try
        {
            return run();
        }
        catch (Exception e) when (e is not ScenarioFormatException)
        {
            return (ScenarioInvariants.Crash, e.ToString());
        }
    }

    private static ScenarioOutcome Outcome(Scenario s, ScenarioExpectation expectation, (string Invariant, string Detail)? violation, Sim.Fabric.SimFabric fabric,
        IReadOnlyList<string> summary, IReadOnlyList<string> notes)
    {
        if (violation is { } v)
        {
            fabric.World.Record(new TraceRecord { Kind = TraceKind.Violation, Node = "harness", Op = v.Invariant, Text = v.Detail.Split('\n', 2)[0] });
        }

        fabric.Trace.Flush();
        return new ScenarioOutcome
        {
            Name = s.Name,
            Expectation = expectation,
            BrokenInvariant = violation?.Invariant,
            Detail = violation?.Detail,
            TraceHash = fabric.Trace.HashHex,
            Summary = summary,
            Notes = notes,
            FaultsNeverFired = NeverFired(s, fabric.Faults),
        };
    }

    /// <summary>The scenario's own faults (not a random workload's profile draws) that never fired, by index in <c>faults</c>.</summary>
    private static IReadOnlyList<int> NeverFired(Scenario s, FaultInjector injector)
    {
        // ScenarioNames.ToPlan puts the profile's faults first and the scenario's after them.
        var first = injector.Plan.Scripted.Count - (s.Faults?.Count ?? 0);
        return injector.NeverFired().Where(i => i >= first).Select(i => i - first).ToArray();
    }
}
