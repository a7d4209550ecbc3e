using System.Globalization;
using System.Text.RegularExpressions;
using Harness.HardwareRunner;
using Harness.HardwareRunner.Cli;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// The progress of a long <c>harness run</c>: plain lines on stderr every period of wall time (none for a shorter run),
/// with I/Os done, rate and time left; stdout and the trace are the same with or without it.
/// </summary>
public sealed partial class RunProgressTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("harness-progress-");

    public void Dispose() => _dir.Delete(recursive: true);

    // A period of 1 ms: the runs take far longer than that on any machine, so lines always appear (with 20 ms a fast,
    // idle machine could finish first and fail the test).
    [Theory]
    [InlineData("nvmf", "4000")]
    [InlineData("rdma", "20000")]
    public void A_long_run_prints_progress_lines_on_stderr_and_the_same_stdout_and_trace_as_without(string workload, string ios)
    {
        var quiet = Run(RunProgressOptions.None, workload, ios, "quiet.jsonl");
        var shown = Run(new RunProgressOptions { Style = RunProgressStyle.Lines, Period = TimeSpan.FromMilliseconds(1) }, workload, ios, "shown.jsonl");

        Assert.True(quiet.Exit == 0 && shown.Exit == 0, shown.ToString());
        Assert.Equal(string.Empty, quiet.Stderr);
        var lines = shown.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Matches(ProgressLine(), l));
        Assert.Equal(WithoutWallTime(quiet.Stdout), WithoutWallTime(shown.Stdout));
        Assert.Equal(quiet.TraceHash, shown.TraceHash);
        Assert.True(File.ReadAllBytes(Trace("quiet.jsonl")).AsSpan().SequenceEqual(File.ReadAllBytes(Trace("shown.jsonl"))), "the trace file changed with progress shown");
    }

    [Fact]
    public void A_run_shorter_than_the_period_prints_nothing_on_stderr()
    {
        var stdout = new StringWriter(CultureInfo.InvariantCulture);
        var stderr = new StringWriter(CultureInfo.InvariantCulture);

        var exit = HarnessProgram.Run(new[] { "run", "--ios", "200" }, stdout, stderr, interactive: false); // as the program runs, redirected

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, stderr.ToString());
    }

    [Fact]
    public void The_lines_measure_wall_time_on_the_injected_clock()
    {
        var options = new RunProgressOptions { Style = RunProgressStyle.Lines, Period = TimeSpan.FromMilliseconds(1), Clock = new SteppingClock(TimeSpan.FromSeconds(10)) };

        var run = Run(options, "nvmf", "4000", "clock.jsonl");

        var times = TimeOf().Matches(run.Stderr).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(times);
        Assert.Equal(Enumerable.Range(1, times.Count).Select(i => i * 10).Take(5), times.Take(5)); // 10 s, 20 s, …: one step per line
    }

    [Fact]
    public void A_line_says_what_is_done_the_rate_and_the_time_left()
    {
        Assert.Equal("run: 120000/2000000 I/Os (6.0%) in 20 s, 6000 I/Os/s, about 5 min 13 s left", RunProgress.Line(120_000, 2_000_000, TimeSpan.FromSeconds(20)));
        Assert.Equal("run: 0/2000 I/Os in 10 s, no estimate yet", RunProgress.Line(0, 2000, TimeSpan.FromSeconds(10)));
        Assert.Equal("run: 12/6000 I/Os (0.2%) in 20 s, 0.6 I/Os/s, about 2 h 46 min left", RunProgress.Line(12, 6000, TimeSpan.FromSeconds(20)));
        Assert.Equal("run: 1000/2147483647 I/Os (0.0%) in 10 s, 100 I/Os/s, about 248 d 13 h left", RunProgress.Line(1000, int.MaxValue, TimeSpan.FromSeconds(10)));
    }

    private HarnessRun Run(RunProgressOptions progress, string workload, string ios, string trace)
    {
        var stdout = new StringWriter(CultureInfo.InvariantCulture);
        var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var exit = HarnessProgram.Run(new[] { "run", "--workload", workload, "--ios", ios, "--faults", "swarm", "--seed", "3", "--trace", Trace(trace) }, stdout, stderr, progress);
        return new HarnessRun(exit, stdout.ToString(), stderr.ToString());
    }

    private string Trace(string name) => Path.Combine(_dir.FullName, name);

    /// <summary>stdout without the lines that report wall and CPU time (they differ between any two runs).</summary>
    private static string WithoutWallTime(string stdout) =>
        string.Join('\n', stdout.Split('\n').Where(l => !l.StartsWith("wall time:", StringComparison.Ordinal) && !l.StartsWith("performance:", StringComparison.Ordinal)
            && !l.StartsWith("time (", StringComparison.Ordinal)));

    [GeneratedRegex(@"^run: (0/\d+ I/Os in .+, no estimate yet|\d+/\d+ I/Os \(\d+\.\d%\) in .+, \d+(\.\d)? I/Os/s, about .+ left)$")]
    private static partial Regex ProgressLine();

    [GeneratedRegex(@" in (\d+) s[,]")]
    private static partial Regex TimeOf();
}
