using System.Text.Json.Nodes;
using Harness.Sim.Coverage;
using Harness.Tests.Properties.Cli;

namespace Harness.Tests.Properties.Coverage;

/// <summary>
/// <c>harness sweep --coverage-json</c> and <c>harness coverage merge</c>: a sweep split into shards, each writing its
/// coverage, merged, prints the table the unsharded sweep prints and holds its counts; the same seeds write the same
/// bytes whatever the worker count, and the merged file does not depend on the order the files are named in.
/// </summary>
public sealed class CoverageMergeTests : IDisposable
{

    private readonly string _dir = Directory.CreateTempSubdirectory("coverage-merge-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Two_shards_merged_print_the_table_and_hold_the_counts_of_the_unsharded_sweep()
    {
        var whole = HarnessRun.Of([.. Sweep("1..4"), "--coverage", "--coverage-json", File("whole.json"), "--workers", "2"]);
        var shard1 = HarnessRun.Of([.. Sweep("1..4"), "--shard", "1/2", "--coverage-json", File("s1.json"), "--workers", "1"]);
        var shard2 = HarnessRun.Of([.. Sweep("1..4"), "--shard", "2/2", "--coverage-json", File("s2.json"), "--workers", "1"]);
        var merged = HarnessRun.Of("coverage", "merge", File("s2.json"), File("s1.json"), "--json", File("merged.json"));

        Assert.All(new[] { whole, shard1, shard2 }, r => Assert.True(r.Exit == 0, r.ToString()));
        Assert.DoesNotContain("coverage: ", shard1.Stdout, StringComparison.Ordinal); // --coverage-json alone prints no table
        Assert.True(merged.Exit == 0, merged.ToString());
        Assert.Equal(string.Empty, merged.Stderr); // exactly the shards of one sweep: no warning
        var table = whole.Stdout[whole.Stdout.IndexOf("coverage: 4 run(s);", StringComparison.Ordinal)..].Replace($"coverage json: {File("whole.json")}\n", string.Empty, StringComparison.Ordinal);
        Assert.Equal(table + $"coverage json: {File("merged.json")}\n", merged.Stdout);

        // The counts of the merged file are the whole sweep's; only the sweeps it names differ (two shards, not the whole).
        var wholeJson = JsonNode.Parse(System.IO.File.ReadAllText(File("whole.json")))!.AsObject();
        var mergedJson = JsonNode.Parse(System.IO.File.ReadAllText(File("merged.json")))!.AsObject();
        Assert.Equal(["1/2", "2/2"], mergedJson["sweeps"]!.AsArray().Select(s => $"{s!["shard"]!["index"]}/{s["shard"]!["count"]}"));
        wholeJson.Remove("sweeps");
        mergedJson.Remove("sweeps");
        Assert.Equal(wholeJson.ToJsonString(), mergedJson.ToJsonString());
        Assert.Contains("\"FREE -> NEW\": ", System.IO.File.ReadAllText(File("merged.json")), StringComparison.Ordinal); // names as the table has them
    }

    [Fact]
    public void The_same_seeds_write_the_same_bytes_and_the_merge_does_not_depend_on_file_order()
    {
        var one = HarnessRun.Of([.. Sweep("1..2"), "--coverage-json", File("w1.json"), "--workers", "1"]);
        var two = HarnessRun.Of([.. Sweep("1..2"), "--coverage-json", File("w2.json"), "--workers", "2"]);
        Assert.True(one.Exit == 0 && two.Exit == 0, one.ToString() + two);
        Assert.Equal(System.IO.File.ReadAllBytes(File("w1.json")), System.IO.File.ReadAllBytes(File("w2.json")));

        var a = Source(1, 2);
        var b = Source(2, 2);
        System.IO.File.WriteAllBytes(File("a.json"), CoverageFile.ToJson(MapWithRuns(3), [a]));
        System.IO.File.WriteAllBytes(File("b.json"), CoverageFile.ToJson(MapWithRuns(5), [b]));
        var ab = HarnessRun.Of("coverage", "merge", File("a.json"), File("b.json"), "--json", File("ab.json"));
        var ba = HarnessRun.Of("coverage", "merge", File("b.json"), File("a.json"), "--json", File("ba.json"));
        Assert.True(ab.Exit == 0 && ba.Exit == 0, ab.ToString() + ba);
        Assert.Equal(System.IO.File.ReadAllBytes(File("ab.json")), System.IO.File.ReadAllBytes(File("ba.json")));
        Assert.StartsWith("coverage: 8 run(s);", ab.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_read_back_prints_the_table_of_the_map_written()
    {
        var map = MapWithRuns(2);
        map.FaultSites.Hit(1);
        map.TargetRequestTransitions.Hit(0, 1);
        map.FaultSites.HitOutsideGrid("a_site_not_listed");
        System.IO.File.WriteAllBytes(File("m.json"), CoverageFile.ToJson(map, [Source(1, 1)]));

        var read = CoverageFile.Load(File("m.json"));

        Assert.Equal(Harness.HardwareRunner.Sweep.CoverageTable.Render(map), Harness.HardwareRunner.Sweep.CoverageTable.Render(read.Map));
        Assert.Equal(1, read.Map.FaultSites.OutsideGrid["a_site_not_listed"]);
        Assert.Equal(Source(1, 1).Sweep, Assert.Single(read.Sources).Sweep);
    }

    internal static CoverageSource Source(int index, int count) => new(1, 10, index, count, "swarm", [], (100, 2, 16, 4096));

    internal static CoverageMap MapWithRuns(long runs)
    {
        var map = new CoverageMap();
        map.AddRuns(runs);
        map.FaultSites.Hit(0);
        return map;
    }

    /// <summary>A small sweep of <paramref name="seeds"/>, 100 I/Os each (a second a seed).</summary>
    private static string[] Sweep(string seeds) => ["sweep", "--seeds", seeds, "--ios", "100", "--minimise", "0"];

    private string File(string name) => Path.Combine(_dir, name);
}
