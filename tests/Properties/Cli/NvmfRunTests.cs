using System.Globalization;
using Harness.HardwareRunner.Cli;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// <c>harness run</c> driving the NVMe-oF target transport (issue 3, item 7): the field bug's profile passes with the
/// fixed transport and is caught, naming the queue, with the known defect; every fault profile accounts for every I/O;
/// queue depth 128 works; same seed, same trace hash.
/// </summary>
public sealed class NvmfRunTests
{
    private const string Defect = KnownDefectNames.PendingReadQueueDoubleInsert;

    [Fact]
    public void Retry_exceeded_with_the_fixed_transport_exits_0_after_failing_and_reconnecting_the_qpair()
    {
        var run = HarnessRun.Of("run", "--faults", "retry-exceeded", "--seed", "3");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.StartsWith("faults: retry-exceeded: RDMA READ #", run.Lines[0], StringComparison.Ordinal);
        Assert.Contains(run.Lines, l => l.Contains("type DATA, status: (12): transport retry counter exceeded", StringComparison.Ordinal));
        var (requested, completed, failed) = run.Ios;
        Assert.Equal(requested, completed + failed);
        Assert.True(failed > 0, "the qpair with the failed READ had commands in flight: they must be reported failed\n" + run);
        Assert.True(run.FailedQpairs >= 1, run.ToString());
        Assert.Contains(run.Lines, l => l.StartsWith("qpairs:", StringComparison.Ordinal) && !l.Contains(" 0 reconnects", StringComparison.Ordinal));
    }

    [Fact]
    public void Retry_exceeded_with_the_pending_read_queue_defect_is_caught_on_most_seeds_naming_the_queue()
    {
        var caught = new List<int>();
        for (var seed = 1; seed <= 50; seed++)
        {
            var run = HarnessRun.Of("run", "--faults", "retry-exceeded", "--defect", Defect, "--seed", Seed(seed), "--ios", "120");
            Assert.True(run.Exit is 0 or 1, $"seed {seed}: {run}");
            if (run.Exit == 1)
            {
                Assert.StartsWith("invariant broken: request-in-one-queue: ", run.Stderr, StringComparison.Ordinal);
                Assert.Contains("pending_rdma_read_queue", run.Stderr, StringComparison.Ordinal);
                Assert.Contains($"replay: harness run --backend sim --workload nvmf --seed {seed} --ios 120 ", run.Stderr, StringComparison.Ordinal);
                Assert.Contains("--faults retry-exceeded --defect " + Defect, run.Stderr, StringComparison.Ordinal);
                Assert.Contains("result: INVARIANT BROKEN: request-in-one-queue", run.Stdout, StringComparison.Ordinal);
                caught.Add(seed);
            }
        }

        Assert.True(caught.Count >= 30, $"the defect was caught on only {caught.Count} of 50 seeds: {string.Join(", ", caught)}");
    }

    [Fact]
    public void The_same_seed_gives_the_same_trace_hash_and_verdict_with_and_without_the_defect()
    {
        foreach (var args in new[] { new[] { "--faults", "retry-exceeded" }, new[] { "--faults", "retry-exceeded", "--defect", Defect }, new[] { "--faults", "swarm", "--qpairs", "2" } })
        {
            var a = HarnessRun.Of([.. new[] { "run", "--seed", "3", "--ios", "300" }, .. args]);
            var b = HarnessRun.Of([.. new[] { "run", "--seed", "3", "--ios", "300" }, .. args]);
            Assert.Equal((a.Exit, a.TraceHash, a.Stderr), (b.Exit, b.TraceHash, b.Stderr));
        }
    }

    [Theory]
    [InlineData("none")]
    [InlineData("retry-exceeded")]
    [InlineData("flush-storm")]
    [InlineData("rnr")]
    [InlineData("disconnects")]
    public void Every_profile_breaks_nothing_accounts_for_every_io_and_prints_its_faults_line_first(string profile)
    {
        var failed = 0L;
        for (var seed = 1; seed <= 4; seed++)
        {
            var run = HarnessRun.Of("run", "--faults", profile, "--seed", Seed(seed), "--qpairs", "2", "--qd", "8", "--ios", "300");

            Assert.True(run.Exit == 0, $"seed {seed}: {run}");
            Assert.StartsWith(profile == "none" ? "faults: none" : $"faults: {profile}: ", run.Lines[0], StringComparison.Ordinal);
            var ios = run.Ios;
            Assert.True(ios.Requested == ios.Completed + ios.Failed, $"seed {seed}: {ios}\n{run}");
            Assert.Contains(run.Lines, l => l.StartsWith("verified: ", StringComparison.Ordinal) && !l.StartsWith("verified: 0 ", StringComparison.Ordinal));
            failed += ios.Failed;
        }

        if (profile == "none")
        {
            Assert.Equal(0, failed);
        }
        else if (profile != "rnr")
        {
            Assert.True(failed > 0, $"{profile}: no I/O failed over 4 seeds: the faults missed the I/O phase");
        }
    }

    [Fact]
    public void Queue_depth_128_and_large_ios_work_and_the_summary_reports_the_performance()
    {
        var deep = HarnessRun.Of("run", "--qd", "128", "--ios", "3000");
        var large = HarnessRun.Of("run", "--qd", "4", "--io-size", "16384", "--ios", "400", "--rw-mix", "0.7");

        Assert.True(deep.Exit == 0, deep.ToString());
        Assert.Equal((3000L, 3000L, 0L), deep.Ios);
        Assert.Contains(deep.Lines, l => l.StartsWith("performance: ", StringComparison.Ordinal) && l.Contains("allocated bytes per I/O", StringComparison.Ordinal));
        Assert.True(large.Exit == 0, large.ToString());
        Assert.Equal((400L, 400L, 0L), large.Ios);
    }

    [Fact]
    public void The_replay_command_of_an_nvmf_run_carries_the_workload_and_the_read_mix()
    {
        var replay = new RunSettings { Seed = 9, RwMix = 0.25, Faults = FaultProfiles.Rnr, Defects = new[] { Defect } }.ReplayCommand();

        Assert.Equal($"harness run --backend sim --workload nvmf --seed 9 --ios 2000 --qpairs 1 --qd 16 --io-size 4096 --rw-mix 0.25 --faults rnr --defect {Defect}", replay);
    }

    private static string Seed(int seed) => seed.ToString(CultureInfo.InvariantCulture);
}
