namespace Harness.Tests.Properties.FieldBugs.Support;

/// <summary>Files of the repository the field-bug tests use (found from the test assembly upwards).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    /// <summary>The gdb snapshot extractor.</summary>
    public static string SnapshotScript => Path.Combine(Root, "tools", "gdb", "rdma_snapshot.py");

    /// <summary>The C fixture that stands in for an SPDK target.</summary>
    public static string Fixture => Path.Combine(Root, "tests", "Properties", "FieldBugs", "Fixture", "spdk_rdma_fixture.c");

    /// <summary>The project's checked-in scenarios.</summary>
    public static string Scenarios => Path.Combine(Root, "scenarios");

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
