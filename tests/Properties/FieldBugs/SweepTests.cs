using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.HardwareRunner;
using Harness.HardwareRunner.Cli;
using Harness.HardwareRunner.Reports;
using Harness.HardwareRunner.Sweep;
using Harness.Sim.Scenarios;
using Harness.Tests.Properties.Cli;
using Harness.Tests.Properties.Support;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.FieldBugs;

/// <summary>
/// <c>harness sweep</c>: shards cover every seed exactly once; the shard defaults from a Kubernetes Indexed Job or the
/// CI's node index; each seed is the same run as <c>harness run</c> whatever the worker count; failing seeds are listed
/// with their replay command, minimised into scenarios that replay, and reported in JUnit XML.
/// </summary>
public sealed partial class SweepTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("harness-sweep-");

    public void Dispose() => _dir.Delete(recursive: true);

    [HarnessProperty(MaxTest = 300)]
    public Property Shards_cover_every_seed_of_the_range_exactly_once(uint first, byte length, PositiveInt shards)
    {
        var range = new SeedRange(first, first + (ulong)length);
        var n = 1 + (shards.Get % 37);
        var all = Enumerable.Range(1, n).SelectMany(i => new Shard(i, n).Seeds(range)).ToList();
        var expected = Enumerable.Range(0, length + 1).Select(k => first + (ulong)k).ToList();
        var counts = Enumerable.Range(1, n).Select(i => new Shard(i, n).SeedCount(range)).ToList();
        var owners = expected.Select(seed => Enumerable.Range(1, n).Count(i => new Shard(i, n).Owns(range, seed))).ToList();
        return (all.Order().SequenceEqual(expected)
                && counts.Sum(c => (long)c) == expected.Count
                && owners.All(o => o == 1)
                && counts.Max() - counts.Min() <= 1)
            .ToProperty()
            .Label($"range {range}, {n} shards: got {all.Count} seeds ({all.Distinct().Count()} distinct), counts [{string.Join(",", counts)}]");
    }

    [Theory]
    [InlineData("JOB_COMPLETION_INDEX", "2", "JOB_COMPLETIONS", "5", "3/5")]
    [InlineData("CI_NODE_INDEX", "1", "CI_NODE_TOTAL", "3", "1/3")]
    [InlineData("CIRCLE_NODE_INDEX", "0", "CIRCLE_NODE_TOTAL", "2", "1/2")]
    [InlineData("BUILDKITE_PARALLEL_JOB", "3", "BUILDKITE_PARALLEL_JOB_COUNT", "4", "4/4")]
    public void The_shard_defaults_from_the_job_index_of_kubernetes_or_the_ci(string indexName, string index, string countName, string count, string shard)
    {
        var env = new Dictionary<string, string> { [indexName] = index, [countName] = count };

        var parsed = Shard.FromEnvironment(env.GetValueOrDefault, out var problem);

        Assert.Null(problem);
        Assert.Equal(shard, parsed.ToString());
        Assert.Equal($"{indexName}/{countName}", parsed!.Value.Source);
        Assert.Equal("1/1", Shard.FromEnvironment(_ => null, out _).ToString());
    }

    [Fact]
    public void A_malformed_job_index_or_shard_is_a_usage_error_naming_it()
    {
        var env = new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = "7", ["JOB_COMPLETIONS"] = "5" };
        Assert.Null(Shard.FromEnvironment(env.GetValueOrDefault, out var problem));
        Assert.Contains("JOB_COMPLETION_INDEX=7", problem, StringComparison.Ordinal);

        foreach (var (args, named) in new[]
                 {
                     (new[] { "--seeds", "5..1" }, "--seeds 5..1"), (new[] { "--seeds", "x" }, "--seeds x"), (new[] { "--seeds", "1..9", "--shard", "0/3" }, "--shard 0/3"),
                     (new[] { "--seeds", "1..9", "--shard", "4/3" }, "--shard 4/3"), (new[] { "--seeds", "1..9", "--workers", "0" }, "--workers 0"),
                     (new[] { "--seeds", "1..9", "--faults", "chaos" }, "--faults chaos"), (new[] { "--seeds", "1..9", "--qd", "0" }, "--qd 0"),
                     (new[] { "--seeds", "1..9", "--minimise", "some" }, "--minimise some"),
                 })
        {
            var run = HarnessRun.Of(new[] { "sweep" }.Concat(args).ToArray());
            Assert.True(run.Exit == 2, run.ToString());
            Assert.Contains(named, run.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Each_seed_is_the_same_run_as_harness_run_with_the_same_trace_hash_whatever_the_worker_count()
    {
        var junit1 = Path.Combine(_dir.FullName, "one.xml");
        var junit2 = Path.Combine(_dir.FullName, "two.xml");
        var common = new[] { "sweep", "--seeds", "11..14", "--ios", "60", "--qpairs", "1", "--minimise", "0", "--out", _dir.FullName };

        var two = HarnessRun.Of(common.Concat(new[] { "--workers", "2", "--junit", junit2 }).ToArray());
        var one = HarnessRun.Of(common.Concat(new[] { "--workers", "1", "--junit", junit1 }).ToArray());

        var hashes = Hashes(junit2);
        Assert.Equal(Hashes(junit1), hashes);
        Assert.Equal(4, hashes.Count);
        foreach (var (seed, hash) in hashes)
        {
            var run = HarnessRun.Of("run", "--seed", seed.ToString(CultureInfo.InvariantCulture), "--ios", "60", "--qpairs", "1", "--qd", "16", "--faults", "swarm");
            Assert.Equal(run.TraceHash, hash);
        }

        Assert.Equal(one.Exit, two.Exit);
        Assert.Contains("seeds/s", two.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"process CPU \d+\.\d s: \d+\.\d seeds per CPU-second", two.Stdout);
    }

    [Fact]
    public void Failing_seeds_are_listed_with_their_replay_command_minimised_into_scenarios_and_reported_in_junit()
    {
        var junit = Path.Combine(_dir.FullName, "sweep.xml");
        var outDir = Path.Combine(_dir.FullName, "failures");

        var run = HarnessRun.Of("sweep", "--seeds", "1..3", "--faults", "retry-exceeded", "--defect", KnownDefectNames.PendingReadQueueDoubleInsert,
            "--ios", "200", "--workers", "2", "--minimise", "1", "--out", outDir, "--junit", junit);

        Assert.True(run.Exit == 1, run.ToString());
        var failed = FailLine().Matches(run.Stdout).Select(m => ulong.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(failed);
        Assert.Contains($"replay: harness run --backend sim --workload nvmf --seed {failed[0]} --ios 200", run.Stdout, StringComparison.Ordinal);
        var doc = XDocument.Load(junit);
        var suite = doc.Root!.Element("testsuite")!;
        Assert.Equal("3", (string?)suite.Attribute("tests"));
        Assert.Equal(failed.Count.ToString(CultureInfo.InvariantCulture), (string?)suite.Attribute("failures"));
        var failure = suite.Elements("testcase").Single(c => (string?)c.Attribute("name") == $"seed {failed[0]}").Element("failure")!;
        Assert.Equal("request-in-one-queue", (string?)failure.Attribute("type"));
        var scenario = Path.Combine(outDir, $"sweep-seed-{failed[0]}.json");
        var minimised = ScenarioFile.Load(scenario).Scenario;
        Assert.True(minimised.Random!.Ios < 200, $"not minimised: {minimised.Random.Ios} I/Os");
        Assert.Equal("must-detect: request-in-one-queue", minimised.Expect);
        var replay = HarnessRun.Of("replay", scenario);
        Assert.True(replay.Exit == 0, replay.ToString());
        Assert.Contains($"minimised: harness replay {scenario}", failure.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void The_junit_writer_counts_outcomes_and_keeps_any_output_well_formed()
    {
        var report = new JUnitReport("r");
        var suite = new JUnitSuite("s");
        suite.Properties.Add(new("k", "v"));
        suite.Cases.Add(new JUnitCase { ClassName = "c", Name = "ok", Time = TimeSpan.FromMilliseconds(1500) });
        suite.Cases.Add(new JUnitCase { ClassName = "c", Name = "bad", Outcome = JUnitOutcome.Failed, FailureType = "t", Message = "m\u0001", Details = "d\u0000\uD800", SystemOut = "out" });
        suite.Cases.Add(new JUnitCase { ClassName = "c", Name = "skip", Outcome = JUnitOutcome.Skipped, Message = "why" });
        report.Suites.Add(suite);
        var path = Path.Combine(_dir.FullName, "r.xml");

        JUnitWriter.WriteFile(report, path);

        var doc = XDocument.Load(path);
        var s = doc.Root!.Element("testsuite")!;
        Assert.Equal(("3", "1", "0", "1", "1.500"), ((string)s.Attribute("tests")!, (string)s.Attribute("failures")!, (string)s.Attribute("errors")!, (string)s.Attribute("skipped")!, (string)s.Attribute("time")!));
        Assert.Equal("m\uFFFD", (string?)s.Descendants("failure").Single().Attribute("message"));
        Assert.Equal("d\uFFFD\uFFFD", s.Descendants("failure").Single().Value);
    }

    private static Dictionary<ulong, string> Hashes(string junit) =>
        XDocument.Load(junit).Descendants("testcase").ToDictionary(
            c => ulong.Parse(((string)c.Attribute("name")!)["seed ".Length..], CultureInfo.InvariantCulture),
            c => HashLine().Match(c.Element("system-out")!.Value).Groups[1].Value);

    [GeneratedRegex(@"^FAIL seed (\d+): ", RegexOptions.Multiline)]
    private static partial Regex FailLine();

    [GeneratedRegex(@"trace-hash: ([0-9a-f]{16})")]
    private static partial Regex HashLine();
}
