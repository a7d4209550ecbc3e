using System.Reflection;

namespace Harness.Bench.Systematic;

/// <summary>
/// Runs a scenario of tests/Systematic through its own exploration code (<c>Exploration.Run</c> with
/// <c>ExplorationSettings</c>, the same oracles, guard and settings the xunit tests use), inside
/// <see cref="SystematicAssemblies"/>. The settings come from the tests' HARNESS_COYOTE_* and HARNESS_DEFECT variables,
/// which are set here for the call and restored after.
/// </summary>
public static class CoyoteExploration
{
    private const string Namespace = "Harness.Tests.Systematic";

    /// <summary>Explores <paramref name="scenario"/> of <paramref name="scenarioClass"/> (e.g. "Host.HostScenarios").</summary>
    public static (long Iterations, bool FoundBug) Explore(string scenarioClass, string scenario, uint iterations, uint seed, string? defect, string strategy = "probabilistic:3")
    {
        var assemblies = SystematicAssemblies.Instance;
        var scenarios = assemblies.TestType($"{Namespace}.{scenarioClass}");
        var entry = scenarios.GetMethod(scenario, BindingFlags.Public | BindingFlags.Static, Type.EmptyTypes)
            ?? throw new InvalidOperationException($"{scenarios.FullName}.{scenario}() not found");
        var body = entry.CreateDelegate<Func<Task>>(); // reads HARNESS_DEFECT itself, as the coyote test entry point
        var settingsType = assemblies.TestType($"{Namespace}.Coyote.ExplorationSettings");
        var exploration = assemblies.TestType($"{Namespace}.Coyote.Exploration");
        var saved = new Dictionary<string, string?>();
        void Set(string name, string? value)
        {
            saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
            Environment.SetEnvironmentVariable(name, value);
        }

        Set("HARNESS_COYOTE_ITERATIONS", iterations.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Set("HARNESS_COYOTE_SEED", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Set("HARNESS_COYOTE_STRATEGY", strategy);
        Set("HARNESS_COYOTE_REPLAY", null);
        Set("HARNESS_COYOTE_TRACE_DIR", Path.Combine(Path.GetTempPath(), "harness-bench-coyote"));
        Set("HARNESS_DEFECT", defect);
        try
        {
            var settings = settingsType.GetMethod("FromEnvironment")!.Invoke(null, [iterations])!;
            var result = exploration.GetMethod("Run")!.Invoke(null, [scenario, body, settings])!;
            var explored = (long)result.GetType().GetProperty("Iterations")!.GetValue(result)!;
            var found = (bool)result.GetType().GetProperty("FoundBug")!.GetValue(result)!;
            var uncontrolled = (System.Collections.ICollection)result.GetType().GetProperty("UncontrolledInvocations")!.GetValue(result)!;
            if (uncontrolled.Count > 0)
            {
                throw new InvalidOperationException($"{scenario}: Coyote reported {uncontrolled.Count} uncontrolled invocation(s); the measurement would be meaningless");
            }

            return (explored, found);
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
