namespace Harness.HardwareRunner.Cli;

/// <summary>Values of <c>--faults</c>.</summary>
public static class FaultProfiles
{
    /// <summary>No faults.</summary>
    public const string None = "none";

    /// <summary>Swarm testing: the seed draws which fault kinds are on and their rates.</summary>
    public const string Swarm = "swarm";

    public static IReadOnlyList<string> Names { get; } = new[] { None, Swarm };

    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal);
}
