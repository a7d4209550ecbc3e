namespace Harness.Tests.Systematic.Coyote;

/// <summary>What one exploration (or replay) of a scenario found.</summary>
/// <param name="Test">The scenario's name (also the trace file's prefix).</param>
/// <param name="Settings">How it explored.</param>
/// <param name="Iterations">Schedules run (up to and including the failing one when a bug was found).</param>
/// <param name="Seconds">Wall-clock time of the exploration.</param>
/// <param name="Bugs">Coyote's bug reports (empty: nothing found).</param>
/// <param name="UncontrolledInvocations">Calls Coyote could not control (each one is a defect of the test or the code).</param>
/// <param name="TraceFile">Where the failing schedule was saved, or null.</param>
/// <param name="Replayed">True when this was a replay of a saved trace rather than an exploration.</param>
/// <param name="StepsPerIteration">Average scheduling steps per schedule.</param>
public sealed record ExplorationResult(
    string Test,
    ExplorationSettings Settings,
    long Iterations,
    double Seconds,
    IReadOnlyList<string> Bugs,
    IReadOnlyList<string> UncontrolledInvocations,
    string? TraceFile,
    bool Replayed,
    long StepsPerIteration)
{
    public bool FoundBug => Bugs.Count > 0;

    /// <summary>The failing schedule's state where it stopped (see <see cref="LastSchedule"/>), or null.</summary>
    public string? FailingState { get; init; }

    /// <summary>One line for the test log: what ran and what it found.</summary>
    public string Summary =>
        $"{Test}: {(Replayed ? "replayed" : "explored")} {Iterations} schedule(s) in {Seconds:F1} s (strategy {Settings.Describe()}{(Settings.ImplicitPoints ? " with implicit points" : string.Empty)}, seed {Settings.Seed}, " +
        $"max steps {Settings.MaxSteps}, {StepsPerIteration} steps per schedule): {(FoundBug ? "BUG FOUND" : "no bug")}";

    /// <summary>
    /// The failure message: Coyote's report, where the schedule was saved, and the commands that replay it (through
    /// the test, and through the coyote tool).
    /// </summary>
    public string FailureMessage()
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(Summary);
        foreach (var bug in Bugs)
        {
            text.AppendLine(bug);
        }

        if (FailingState != null)
        {
            text.AppendLine($"state when the failing schedule stopped: {FailingState}");
        }

        foreach (var call in UncontrolledInvocations)
        {
            text.AppendLine($"uncontrolled invocation (Coyote cannot explore around it; fix the code or the test): {call}");
        }

        if (TraceFile != null)
        {
            text.AppendLine($"reproducible trace: {TraceFile}");
            text.AppendLine("replay it (deterministic, same failure):");
            text.AppendLine($"  {ExplorationSettings.ReplayVariable}={TraceFile} dotnet test tests/Systematic --filter \"FullyQualifiedName~{Test}\"");
            text.AppendLine($"  or: DOTNET_ROLL_FORWARD=Major dotnet ~/.nuget/packages/microsoft.coyote.tool/1.7.11/tools/net8.0/coyote.dll replay " +
                $"tests/Systematic/bin/Debug/net10.0/Systematic.dll {TraceFile} -m {Test}");
            text.AppendLine($"explore again with this schedule's settings: {ExplorationSettings.StrategyVariable}={Settings.Describe()} " +
                (Settings.ImplicitPoints ? $"{ExplorationSettings.ImplicitPointsVariable}=1 " : string.Empty) +
                $"{ExplorationSettings.SeedVariable}={Settings.Seed} {ExplorationSettings.IterationsVariable}={Settings.Iterations} dotnet test tests/Systematic --filter \"FullyQualifiedName~{Test}\"");
        }

        return text.ToString();
    }
}
