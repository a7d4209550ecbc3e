using System.Text;
using Harness.Sim.Coverage;
using Harness.Tests.Properties.Cli;

namespace Harness.Tests.Properties.Coverage;

/// <summary>
/// <c>harness coverage merge</c> given bad files: each is an exit 2 naming the file, the line and the field (a file that
/// cannot be read: the file and why), every bad file told, nothing merged and no <c>--json</c> written; shards missing
/// or given twice are warnings, and the merge goes on.
/// </summary>
public sealed class CoverageFileInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coverage-input-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("\"format\": 1", "\"format\": 2", "format", "format 2 is not one this harness reads (1)")]
    [InlineData("\"fault-sites\": {", "\"fault-sitez\": {", "categories.fault-sitez", "unknown coverage category")]
    [InlineData("\"FREE -> NEW\": 0", "\"FREE -> OLD\": 0", "categories.target-request-transitions.cells.FREE -> OLD", "unknown point 'FREE -> OLD' of category target-request-transitions")]
    [InlineData("\"FREE -> NEW\": 0", "\"FREE -> NEW\": -1", "categories.target-request-transitions.cells.FREE -> NEW", "-1 is not a count")]
    [InlineData("\"runs\": 3", "\"runs\": 3.5", "runs", "3.5 is not a count")]
    [InlineData("\"index\": 1", "\"index\": 3", "sweeps[0].shard.index", "shard 3 of 2")]
    [InlineData("\"runs\": 3", "\"runs\": 3, \"extra\": 1", "extra", "unknown field")]
    public void A_bad_field_is_named_with_its_file_and_line(string from, string to, string field, string problem)
    {
        var good = Text(CoverageMergeTests.MapWithRuns(3));
        Assert.Contains(from, good, StringComparison.Ordinal); // the case edits what the writer writes
        var bad = Write("bad.json", ReplaceFirst(good, from, to));
        var ok = Write("ok.json", good);

        var run = HarnessRun.Of("coverage", "merge", ok, bad, "--json", Path.Combine(_dir, "out.json"));

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal(string.Empty, run.Stdout);
        Assert.Contains($"harness coverage merge: {bad}:{LineOf(ReplaceFirst(good, from, to), to)}: {field}: {problem}", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "out.json")), "a merge with a bad file wrote its output");
    }

    [Fact]
    public void Malformed_json_and_a_missing_file_are_each_named_and_both_told()
    {
        var malformed = Write("malformed.json", "{\n  \"format\": 1,\n  \"runs\": 3\n  \"sweeps\": []\n}\n");
        var missing = Path.Combine(_dir, "missing.json");

        var run = HarnessRun.Of("coverage", "merge", malformed, missing);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains($"harness coverage merge: {malformed}:4: (document): not valid JSON: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"harness coverage merge: {missing}: no such file", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", run.Stderr, StringComparison.Ordinal); // System.Text.Json's 0-based line would contradict ours
    }

    [Fact]
    public void A_shard_given_twice_and_one_missing_are_warned_and_merged()
    {
        var s1 = Write("s1.json", Text(CoverageMergeTests.MapWithRuns(2), CoverageMergeTests.Source(1, 3)));
        var again = Write("again.json", Text(CoverageMergeTests.MapWithRuns(2), CoverageMergeTests.Source(1, 3)));
        var s3 = Write("s3.json", Text(CoverageMergeTests.MapWithRuns(1), CoverageMergeTests.Source(3, 3)));

        var run = HarnessRun.Of("coverage", "merge", s1, again, s3);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.StartsWith("coverage: 5 run(s);", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"warning: shard 1/3 of seeds 1..10, 3 shard(s), faults swarm, defects none, ios 100, qpairs 2, qd 16, io-size 4096 is in more than one file ({s1}, {again})", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("warning: shard(s) 2 of 3 missing (seeds 1..10, ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Counts_whose_sum_does_not_fit_64_bits_are_refused_naming_the_file()
    {
        var huge = ReplaceFirst(Text(CoverageMergeTests.MapWithRuns(3)), "\"runs\": 3", "\"runs\": 9223372036854775807");
        var first = Write("first.json", huge);
        var second = Write("second.json", huge);

        var run = HarnessRun.Of("coverage", "merge", first, second);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal(string.Empty, run.Stdout);
        Assert.Contains($"harness coverage merge: {second}: its counts added to those of the files before it do not fit 64 bits", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "coverage", "merge" }, "usage: harness coverage merge --help")]
    [InlineData(new[] { "coverage" }, "harness coverage: a subcommand is required (merge)")]
    [InlineData(new[] { "coverage", "merge", "x.json", "--json", "/nonexistent-dir/m.json" }, "harness coverage merge: --json /nonexistent-dir/m.json: cannot write the merged coverage there: ")]
    public void Usage_errors_name_the_subcommand(string[] args, string expected)
    {
        var run = HarnessRun.Of(args);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_coverage_json_path_is_refused_before_any_seed_runs()
    {
        var run = HarnessRun.Of("sweep", "--seeds", "1..2", "--ios", "50", "--coverage-json", "/nonexistent-dir/c.json");

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal(string.Empty, run.Stdout);
        Assert.StartsWith("harness sweep: --coverage-json /nonexistent-dir/c.json: cannot write the coverage there: ", run.Stderr, StringComparison.Ordinal);
    }

    private static string Text(CoverageMap map, CoverageSource? source = null) =>
        Encoding.UTF8.GetString(CoverageFile.ToJson(map, [source ?? CoverageMergeTests.Source(1, 2)]));

    private static string ReplaceFirst(string text, string from, string to)
    {
        var at = text.IndexOf(from, StringComparison.Ordinal);
        return text[..at] + to + text[(at + from.Length)..];
    }

    private static int LineOf(string text, string what) => text[..text.IndexOf(what, StringComparison.Ordinal)].Count(c => c == '\n') + 1;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
