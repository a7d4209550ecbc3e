using System.Globalization;
using System.Text;
using Harness.Tests.Properties.FieldBugs.Support;

namespace Harness.Tests.Properties.Cli.Hostile;

/// <summary>
/// Valid inputs of every kind the <c>harness</c> command reads, for <see cref="FileMutation"/> to break: the project's
/// scenarios, a trace and a JUnit-free run's output, a core-dump snapshot from the C fixture, SPDK target and host
/// logs, NIC counters. Built once per test run.
/// </summary>
internal static class Samples
{
    private static readonly Lazy<byte[]> TraceBytes = new(MakeTrace, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Every checked-in scenario file.</summary>
    public static IReadOnlyList<byte[]> Scenarios { get; } =
        Directory.GetFiles(Scenarios_Dir, "*.json").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();

    /// <summary>A short trace written by <c>harness run --trace</c>.</summary>
    public static byte[] Trace => TraceBytes.Value;

    /// <summary>The snapshot tools/gdb/rdma_snapshot.py takes of the C fixture's consistent state.</summary>
    public static byte[] Snapshot => File.ReadAllBytes(CoreDump.BeforeDrain.Snapshot);

    /// <summary>The SPDK target log of the seed bug #3463 (tests' data).</summary>
    public static byte[] TargetLog => File.ReadAllBytes(Path.Combine(RepoPaths.Root, "tests", "Properties", "FieldBugs", "Data", "spdk-3463-target.log"));

    /// <summary>An SPDK host log of a controller-delete hang (issue 14).</summary>
    public static byte[] HostLog { get; } = Encoding.UTF8.GetBytes(
        "[2024-03-11 09:12:44.100231] bdev_nvme.c:6229:bdev_nvme_delete_complete_poll: *ERROR*: NVMe path 'nvm-16udxfq48htf1-disk0' still exists after delete\n" +
        "[2024-03-11 09:12:43.998012] nvme_rdma.c:1287:nvme_rdma_process_event_poll: *ERROR*: Unexpected Acceptor Event [10, 0]\n");

    /// <summary>NIC counters of #3463 (tests' data).</summary>
    public static byte[] Counters => File.ReadAllBytes(Path.Combine(RepoPaths.Root, "tests", "Properties", "FieldBugs", "Data", "spdk-3463-mlx5_0.counters"));

    /// <summary>A coverage file (<c>harness sweep --coverage-json</c>) with counts in grid cells and outside the grid.</summary>
    public static byte[] Coverage { get; } = MakeCoverage();

    private static string Scenarios_Dir => Path.Combine(RepoPaths.Root, "scenarios");

    private static byte[] MakeTrace()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("harness-hostile-trace-").FullName, "run.jsonl");
        var run = HarnessRun.Of("run", "--seed", "3", "--ios", "40", "--faults", "retry-exceeded", "--trace", path);
        Assert.True(run.Exit is 0 or 1, run.ToString());
        var bytes = File.ReadAllBytes(path);
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        Assert.True(bytes.Length > 0, string.Create(CultureInfo.InvariantCulture, $"harness run --trace wrote nothing\n{run}"));
        return bytes;
    }

    private static byte[] MakeCoverage()
    {
        var map = new Harness.Sim.Coverage.CoverageMap();
        map.AddRuns(3);
        map.FaultSites.Hit(0);
        map.TargetRequestTransitions.Hit(0, 1);
        map.FaultSites.HitOutsideGrid("unlisted_site");
        return Harness.Sim.Coverage.CoverageFile.ToJson(map, [new(1, 6, 1, 2, "swarm", [], (100, 2, 16, 4096))]);
    }
}
