namespace Harness.Tests.Properties.Scenarios;

/// <summary>Paths in the repository the tests run from (found by walking up to Harness.sln).</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The project's own scenarios (run as a regression suite).</summary>
    public static string Scenarios => Path.Combine(Root, "scenarios");

    /// <summary>The published scenario schema.</summary>
    public static string Schema => Path.Combine(Root, "docs", "scenario.schema.json");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Harness.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Harness.sln above {AppContext.BaseDirectory}");
    }
}
