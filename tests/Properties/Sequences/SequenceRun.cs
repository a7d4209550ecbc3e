using Harness.HardwareRunner.Scenarios;
using Harness.Sim.Scenarios;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Sequences;

/// <summary>Runs a generated sequence exactly as <c>harness replay</c> would: written as a file, loaded, run.</summary>
public static class SequenceRun
{
    /// <summary>Where counterexamples are saved (one file each, replayable).</summary>
    public static string CounterexampleDir { get; } = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "harness-counterexamples")).FullName;

    /// <summary>
    /// Runs <paramref name="scenario"/> through its file form with <paramref name="defects"/> (plus HARNESS_DEFECT) on
    /// top of its own. The outcome says whether its expectation held.
    /// </summary>
    public static ScenarioOutcome Run(Scenario scenario, KnownDefects defects = KnownDefects.None)
    {
        var document = ScenarioFile.Parse(ScenarioFile.ToJson(scenario), scenario.Name + ScenarioFile.Extension);
        return ScenarioRunner.Run(document, new ScenarioRunOptions { ExtraDefects = defects | KnownDefectNames.FromEnvironment() });
    }

    /// <summary>Throws, with the scenario file and how to replay it, unless the outcome met the expectation.</summary>
    public static void Require(Scenario scenario, ScenarioOutcome outcome)
    {
        if (outcome.AsExpected)
        {
            return;
        }

        // The saved file carries the defects the run had (HARNESS_DEFECT), so it replays on its own.
        var env = KnownDefectNames.FromEnvironment();
        var names = KnownDefectNames.All.Where(n => KnownDefectNames.TryParse(n, out var d) && (env & d) != 0).ToArray();
        var path = Save(names.Length == 0 ? scenario : scenario with { Defects = (scenario.Defects ?? Array.Empty<string>()).Union(names).ToArray() });
        throw new Xunit.Sdk.XunitException(
            $"{outcome.ResultLine}\n{outcome.BrokenInvariant}: {outcome.Detail}\n{string.Join("\n", outcome.Notes.Select(n => "note: " + n))}\n" +
            $"counterexample ({FailureSequences.Length(scenario)} steps): {scenario.Description}\nsaved: {path}\nreplay: harness replay {path}\n" +
            $"keep it: once understood and fixed, check it in as scenarios/<what-it-shows>.json (expect must-pass), so the suite replays it for good\n{scenario}");
    }

    /// <summary>Saves <paramref name="scenario"/> under <see cref="CounterexampleDir"/>; returns the path.</summary>
    public static string Save(Scenario scenario)
    {
        var path = Path.Combine(CounterexampleDir, $"{scenario.Name}-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(scenario.ToString())))[..12].ToLowerInvariant()}.json");
        ScenarioFile.Save(scenario, path);
        return path;
    }
}
