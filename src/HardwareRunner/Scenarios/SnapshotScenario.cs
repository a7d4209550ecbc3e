using System.Globalization;
using Harness.HardwareRunner.FieldBugs;
using Harness.Sim.Scenarios;
using Harness.Sim.Tracing;
using Harness.Transport.Target;
using Harness.Transport.Target.Snapshot;

namespace Harness.HardwareRunner.Scenarios;

/// <summary>
/// Runs a scenario whose <c>initialState</c> is a core-dump snapshot (<see cref="ScenarioInitialState"/>): the target
/// starts in the snapshot's state and is checked at once, then every restored qpair is disconnected and must drain
/// (<see cref="SnapshotRun"/>), with the scenario's seed, faults (restored QPs are <c>target/0</c>, <c>target/1</c>… in
/// snapshot order) and defects. The snapshot's audit findings are the run's notes.
/// </summary>
public static class SnapshotScenario
{
    public static ScenarioOutcome Run(ScenarioDocument document, ScenarioExpectation expectation, KnownDefects defects, Trace trace, Action<string>? faultLine)
    {
        var s = document.Scenario;
        var snapshot = ScenarioInitialState.Snapshot(document);
        faultLine?.Invoke("faults: " + (ScenarioText.DescribeFaults(s) is { Length: > 0 } f ? f : "none scripted") + "; initial state: " + Describe(snapshot));
        var summary = new StringWriter(CultureInfo.InvariantCulture);
        Workloads.WorkloadViolation? violation;
        string hash;
        try
        {
            violation = new SnapshotRun(snapshot, defects, s.EffectiveSeed, ScenarioNames.ToPlan(s)).Execute(trace, summary, out hash);
        }
        catch (NotSupportedException e)
        {
            throw document.Error("/initialState/poll_groups", e.Message);
        }

        return new ScenarioOutcome
        {
            Name = s.Name,
            Expectation = expectation,
            BrokenInvariant = violation?.Invariant,
            Detail = violation?.Detail,
            TraceHash = hash,
            Summary = summary.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Notes = TargetSnapshotAudit.Run(snapshot).Select(x => "snapshot: " + x).ToList(),
        };
    }

    /// <summary>One line: where the snapshot came from and what it holds.</summary>
    public static string Describe(TargetSnapshot s)
    {
        var qpairs = s.PollGroups.SelectMany(g => g.Pollers).SelectMany(p => p.Qpairs).ToList();
        var inUse = qpairs.Sum(q => q.Resources?.Requests.Count(r => r.State != "FREE") ?? 0);
        return string.Create(CultureInfo.InvariantCulture,
            $"snapshot of {s.Source?.Binary ?? "?"} ({s.Source?.Core ?? "core ?"}): {s.PollGroups.Count} poll group(s), {qpairs.Count} qpair(s), {inUse} request(s) in use");
    }
}
