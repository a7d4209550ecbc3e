using Harness.Sim.Scenarios;

namespace Harness.HardwareRunner.Sweep;

/// <summary>
/// The scenario a sweep keeps for a failing seed: which form (<see cref="KeptForm.None"/>: none), the scenario and its
/// file text (replayed before it was kept), and <see cref="Why"/> in a sentence for the report.
/// </summary>
public sealed record KeptScenario(SeedResult Failed, KeptForm Form, Scenario? Scenario, string? Text, string Why)
{
    /// <summary>The file the scenario goes to in <paramref name="folder"/>, or null when none is kept.</summary>
    public string? PathIn(string folder) => Scenario == null ? null : Path.Combine(folder, Scenario.Name + ScenarioFile.Extension);
}
