using System.Globalization;
using System.Text.Json;
using Harness.HardwareRunner.Cli;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// The <c>harness</c> command (contract: DESIGN.md "The harness command"), run in-process: exit codes, messages that
/// name the bad argument, determinism of the trace hash and of the JSONL trace, swarm runs of both workloads.
/// </summary>
public sealed class HarnessCommandTests
{
    [Fact]
    public void Run_with_the_same_seed_twice_gives_the_same_trace_hash_and_exit_0()
    {
        var first = HarnessRun.Of("run", "--seed", "7");
        var second = HarnessRun.Of("run", "--seed", "7");

        Assert.True(first.Exit == 0, first.ToString());
        Assert.True(second.Exit == 0, second.ToString());
        Assert.Equal(first.TraceHash, second.TraceHash);
        Assert.Equal((2000L, 2000L, 0L), first.Ios);
        Assert.Contains(first.Lines, l => l.StartsWith("defects: none", StringComparison.Ordinal));
    }

    [Fact]
    public void A_seed_that_is_not_a_number_is_named_with_its_option_and_exits_2()
    {
        var run = HarnessRun.Of("run", "--seed", "banana");

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains("--seed", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("banana", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout);
    }

    [Theory]
    [InlineData("frobnicate", "frobnicate")]
    [InlineData("run --bogus", "--bogus")]
    [InlineData("run --faults chaos", "--faults chaos")]
    [InlineData("run --defect use-after-free", "--defect use-after-free")]
    [InlineData("run --backend rxe", "--backend rxe")]
    [InlineData("run --backend ibverbs", "--backend ibverbs")]
    [InlineData("run --ios 0", "--ios 0")]
    [InlineData("run --qd 0", "--qd 0")]
    [InlineData("run --qpairs 100000", "--qpairs 100000")]
    [InlineData("run --io-size -5", "--io-size")]
    [InlineData("run --io-size 6000", "--io-size 6000")]
    [InlineData("run --qd 129", "--qd 129")]
    [InlineData("run --qd 1 --io-size 131072", "--io-size 131072 with --qd 1")]
    [InlineData("run --rw-mix 1.5", "--rw-mix")]
    [InlineData("run --workload scsi", "--workload scsi")]
    [InlineData("run --workload rdma --faults rnr", "--faults rnr")]
    [InlineData("run --seed", "--seed")]
    [InlineData("", "command")]
    public void Bad_usage_exits_2_and_names_what_is_wrong(string commandLine, string named)
    {
        var run = HarnessRun.Of(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains(named, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_is_available_for_every_command()
    {
        foreach (var args in new[] { new[] { "--help" }, new[] { "run", "--help" }, new[] { "devices", "--help" } })
        {
            var run = HarnessRun.Of(args);
            Assert.True(run.Exit == 0, run.ToString());
            Assert.Contains("Usage:", run.Stdout, StringComparison.Ordinal);
        }

        var help = HarnessRun.Of("run", "--help").Stdout;
        foreach (var option in new[] { "--backend", "--workload", "--seed", "--ios", "--qpairs", "--qd", "--io-size", "--rw-mix", "--faults", "--defect", "--trace" })
        {
            Assert.Contains(option, help, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Known_defects_are_accepted_and_listed_in_the_summary()
    {
        var run = HarnessRun.Of("run", "--seed", "3", "--ios", "50", "--defect", KnownDefectNames.PendingReadQueueDoubleInsert,
            "--defect", KnownDefectNames.LingeringWithoutCtrlrLock);

        Assert.True(run.Exit == 0, run.ToString()); // no faults: the defective error path is never taken
        var line = run.Lines.Single(l => l.StartsWith("defects:", StringComparison.Ordinal));
        Assert.Contains(KnownDefectNames.PendingReadQueueDoubleInsert + " (target transport: on)", line, StringComparison.Ordinal);
        Assert.Contains(KnownDefectNames.LingeringWithoutCtrlrLock, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Fifty_seeds_with_swarm_faults_give_at_least_45_distinct_trace_hashes_on_the_rdma_workload()
    {
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        for (var seed = 1; seed <= 50; seed++)
        {
            var run = HarnessRun.Of("run", "--workload", "rdma", "--seed", Seed(seed), "--ios", "200", "--faults", "swarm");
            Assert.True(run.Exit == 0, $"seed {seed}: {run}");
            hashes.Add(run.TraceHash);
        }

        Assert.True(hashes.Count >= 45, $"only {hashes.Count} distinct trace hashes over 50 seeds");
    }

    [Fact]
    public void Nvmf_swarm_seeds_give_distinct_hashes_and_any_failure_is_named_with_a_replay_that_reproduces_it()
    {
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        for (var seed = 1; seed <= 30; seed++)
        {
            var run = HarnessRun.Of("run", "--seed", Seed(seed), "--ios", "150", "--faults", "swarm");
            Assert.True(run.Exit is 0 or 1, $"seed {seed}: {run}");
            Assert.StartsWith("faults: ", run.Lines[0], StringComparison.Ordinal);
            hashes.Add(run.TraceHash);
            if (run.Exit == 1)
            {
                var replay = run.Stderr.Split('\n').Single(l => l.StartsWith("replay: harness run ", StringComparison.Ordinal));
                Assert.StartsWith("invariant broken: ", run.Stderr, StringComparison.Ordinal);
                var again = HarnessRun.Of(replay["replay: harness ".Length..].Trim().Split(' '));
                Assert.Equal((run.Exit, run.TraceHash), (again.Exit, again.TraceHash));
            }
        }

        Assert.True(hashes.Count >= 27, $"only {hashes.Count} distinct trace hashes over 30 seeds");
    }

    [Fact]
    public void Without_faults_the_workload_itself_still_draws_from_the_seed()
    {
        var hashes = Enumerable.Range(1, 20)
            .Select(seed => HarnessRun.Of("run", "--seed", Seed(seed), "--ios", "200").TraceHash)
            .ToHashSet(StringComparer.Ordinal);

        Assert.True(hashes.Count >= 18, $"only {hashes.Count} distinct trace hashes over 20 fault-free seeds");
    }

    [Fact]
    public void Swarm_runs_break_no_invariant_account_for_every_io_and_print_the_faults_line_first()
    {
        var failedQpairs = 0;
        for (var seed = 1; seed <= 14; seed++)
        {
            var run = HarnessRun.Of("run", "--seed", Seed(seed), "--faults", "swarm", "--qpairs", "3", "--qd", "8", "--ios", "450");

            Assert.True(run.Exit == 0, $"seed {seed}: {run}");
            Assert.StartsWith("faults: ", run.Lines[0], StringComparison.Ordinal);
            var (requested, completed, failed) = run.Ios;
            Assert.True(requested == completed + failed, $"seed {seed}: {requested} ios requested but {completed} completed + {failed} failed\n{run}");
            failedQpairs += run.FailedQpairs;
            _ = run.TraceHash;
        }

        Assert.True(failedQpairs > 0, "no swarm seed failed a qpair: the failure path of the workload went untested");
    }

    [Fact]
    public void Trace_file_is_json_lines_and_byte_identical_for_the_same_seed()
    {
        var dir = Directory.CreateTempSubdirectory("harness-trace-");
        try
        {
            var a = Path.Combine(dir.FullName, "a.jsonl");
            var b = Path.Combine(dir.FullName, "b.jsonl");
            var runA = HarnessRun.Of("run", "--seed", "5", "--ios", "200", "--faults", "swarm", "--trace", a);
            var runB = HarnessRun.Of("run", "--seed", "5", "--ios", "200", "--faults", "swarm", "--trace", b);
            var plain = HarnessRun.Of("run", "--seed", "5", "--ios", "200", "--faults", "swarm");

            Assert.True(runA.Exit == 0 && runB.Exit == 0, runA.ToString());
            Assert.Equal(runA.TraceHash, plain.TraceHash); // writing JSON does not change what is hashed
            var bytesA = File.ReadAllBytes(a);
            Assert.True(bytesA.Length > 0, "the trace file is empty");
            Assert.True(bytesA.AsSpan().SequenceEqual(File.ReadAllBytes(b)), "two runs with the same seed wrote different trace files");
            var lines = File.ReadAllLines(a);
            foreach (var line in lines)
            {
                using var doc = JsonDocument.Parse(line);
                Assert.True(doc.RootElement.TryGetProperty("t", out _) && doc.RootElement.TryGetProperty("ev", out _), $"trace line without t/ev: {line}");
            }

            Assert.Contains(lines, l => l.Contains("\"ev\":\"cm_event\"", StringComparison.Ordinal) && l.Contains("TIMEWAIT_EXIT", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_replay_command_reproduces_the_run()
    {
        var settings = new RunSettings { Seed = 11, Ios = 300, Qpairs = 2, QueueDepth = 4, IoSize = 8192, RwMix = 0.3, Faults = FaultProfiles.Swarm };
        var replay = settings.ReplayCommand();
        Assert.StartsWith("harness run ", replay, StringComparison.Ordinal);

        var original = HarnessRun.Of("run", "--seed", "11", "--ios", "300", "--qpairs", "2", "--qd", "4", "--io-size", "8192", "--rw-mix", "0.3", "--faults", "swarm");
        var replayed = HarnessRun.Of(replay["harness ".Length..].Split(' '));

        Assert.True(original.Exit == 0, original.ToString());
        Assert.Equal(original.TraceHash, replayed.TraceHash);

        var rdma = new RunSettings { Workload = WorkloadNames.Rdma, Seed = 11, Ios = 300, Qpairs = 2, QueueDepth = 4, IoSize = 512, Faults = FaultProfiles.Swarm };
        var rdmaOriginal = HarnessRun.Of("run", "--workload", "rdma", "--seed", "11", "--ios", "300", "--qpairs", "2", "--qd", "4", "--io-size", "512", "--faults", "swarm");
        Assert.Equal(rdmaOriginal.TraceHash, HarnessRun.Of(rdma.ReplayCommand()["harness ".Length..].Split(' ')).TraceHash);
    }

    private static string Seed(int seed) => seed.ToString(CultureInfo.InvariantCulture);
}
