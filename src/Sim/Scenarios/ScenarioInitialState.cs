using System.Text;
using Harness.Transport.Json;
using Harness.Transport.Target.Snapshot;

namespace Harness.Sim.Scenarios;

/// <summary>
/// The <c>initialState</c> of a scenario (docs/scenarios.md): the target state a run starts from. The one format so far
/// is <see cref="TargetSnapshot.FormatName"/>, a core-dump snapshot as <c>tools/gdb/rdma_snapshot.py</c> writes it and
/// <c>harness import-core</c> embeds it. Such a scenario has an empty command list and no topology (the snapshot is the
/// topology): its run restores the target, checks it at once, then disconnects and drains every restored qpair.
/// </summary>
public static class ScenarioInitialState
{
    /// <summary>The snapshot of <paramref name="document"/>; problems name the scenario's file, line and field.</summary>
    public static TargetSnapshot Snapshot(ScenarioDocument document)
    {
        var element = document.Scenario.InitialState ?? throw document.Error("/initialState", "missing");
        try
        {
            return TargetSnapshotReader.Read(Encoding.UTF8.GetBytes(element.GetRawText()), document.File);
        }
        catch (SnapshotFormatException e)
        {
            throw document.Error("/initialState" + JsonPointer.FromPath(e.Field), e.Problem);
        }
    }

    /// <summary>The load-time checks of a scenario with an initial state (called by <see cref="ScenarioFile"/>).</summary>
    internal static void Check(ScenarioDocument d)
    {
        var s = d.Scenario;
        var format = s.InitialState!.Value.GetProperty("format").GetString();
        if (format != TargetSnapshot.FormatName)
        {
            throw d.Error("/initialState/format", $"'{format}': the only initial-state format is '{TargetSnapshot.FormatName}' (harness import-core)");
        }

        if (s.Random != null || s.Commands is { Count: > 0 })
        {
            throw d.Error(s.Random != null ? "/random" : "/commands/0", "a scenario that starts from a snapshot has an empty command list: the restored qpairs are drained, no host workload runs");
        }

        if (s.Topology != null)
        {
            throw d.Error("/topology", "a scenario that starts from a snapshot takes its topology from the snapshot");
        }

        var snapshot = Snapshot(d);
        FaultReach.OfSnapshot(snapshot.PollGroups.SelectMany(g => g.Pollers).Sum(p => p.Qpairs.Count)).Check(d);
    }
}
