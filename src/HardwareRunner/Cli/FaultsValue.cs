using Harness.Sim.Files;
using Harness.Sim.Scenarios;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// What <c>harness run --faults VALUE</c> names (DESIGN.md: <c>--faults PROFILE|FILE</c>), decided once before anything
/// runs: a profile's name is the profile (a file of that name is <c>./NAME</c>); anything else must be a fault plan file
/// (<see cref="FaultPlanFile"/>), read and checked now, so that a bad one is a usage error naming its line and field.
/// </summary>
internal static class FaultsValue
{
    /// <summary>
    /// Null with <paramref name="resolved"/> carrying the loaded plan file (if <c>--faults</c> names one), else the usage
    /// error: the file's own <c>FILE:LINE: FIELD: PROBLEM</c>, or one sentence for a value that names neither.
    /// </summary>
    public static string? Resolve(RunSettings settings, out RunSettings resolved)
    {
        resolved = settings;
        var value = settings.Faults;
        if (FaultProfiles.IsKnown(value))
        {
            return null;
        }

        if (value.Length == 0 || (!File.Exists(value) && !Directory.Exists(value)))
        {
            return $"--faults {value}: neither a fault profile ({string.Join(", ", FaultProfiles.Names)}) nor an existing fault plan file (docs/scenarios.md, \"Fault plan files\")";
        }

        try
        {
            resolved = settings with { FaultPlan = FaultPlanFile.Load(value) };
            return null;
        }
        catch (Exception e) when (e is ScenarioFormatException or InputFileException)
        {
            return e.Message; // FILE:LINE: FIELD: PROBLEM, or FILE: PROBLEM for a file that cannot be read
        }
    }
}
