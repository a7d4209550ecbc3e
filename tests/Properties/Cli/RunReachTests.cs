using System.Globalization;
using System.Text.RegularExpressions;
using Harness.HardwareRunner.Cli;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// What the swarm draws can be set up by hand in one run (issue 15 §3): <c>--srq</c>, <c>--provider</c> and
/// <c>--in-capsule-size</c> are checked, printed and kept in the replay command; the block device below the target's
/// controller fails or delays I/O through the target's real paths, and the host accounts for it.
/// </summary>
public sealed partial class RunReachTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("run-reach-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("run --srq yes", "harness: --srq yes: unknown value (known: on, off)")]
    [InlineData("run --provider cxgb4", "harness: --provider cxgb4: unknown provider (known: mlx5, rxe)")]
    [InlineData("run --in-capsule-size 8k", "harness: --in-capsule-size 8k: must be a whole number in 0..65536")]
    [InlineData("run --in-capsule-size 100", "harness run: --in-capsule-size 100: must be a multiple of 16 in 0..65536 (0: no in-capsule data)")]
    [InlineData("run --in-capsule-size 65552", "harness run: --in-capsule-size 65552: must be a multiple of 16 in 0..65536 (0: no in-capsule data)")]
    [InlineData("run --workload rdma --in-capsule-size 0", "harness run: --in-capsule-size: only the nvmf workload takes it (--workload rdma has no NVMe-oF target)")]
    [InlineData("run --backend ibverbs --provider rxe", "harness run: --provider rxe: only the simulated NIC takes it (a hardware run uses the device's own provider)")]
    public void A_bad_topology_option_is_exit_2_naming_the_option_and_the_value(string commandLine, string message)
    {
        var run = HarnessRun.Of(commandLine.Split(' '));

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal(message, run.Stderr.Split('\n')[0]);
    }

    [Fact]
    public void The_topology_options_are_printed_and_override_the_swarms_draws()
    {
        var drawn = HarnessRun.Of("run", "--seed", "5", "--ios", "200", "--faults", "swarm");
        var set = HarnessRun.Of("run", "--seed", "5", "--ios", "200", "--faults", "swarm", "--srq", "on", "--provider", "mlx5", "--in-capsule-size", "8192",
            "--timeout-action", "reset", "--compare-and-write-fraction", "0", "--io-timeout-ms", "7");

        Assert.True(drawn.Exit == 0 && set.Exit == 0, drawn + "\n" + set);
        Assert.Contains("srq=off provider=rxe", drawn.Lines[0], StringComparison.Ordinal); // seed 5's draws
        Assert.Contains("in-capsule=0", drawn.Lines[0], StringComparison.Ordinal);
        Assert.Contains("compare-and-write=0.118929 timeout-action=abort", drawn.Lines[0], StringComparison.Ordinal); // host draws
        Assert.Contains("topology: srq off, provider rxe, in-capsule-size 0 B, timeout-action abort, compare-and-write 0.119", drawn.Lines);
        Assert.Contains("topology: srq on, provider mlx5, in-capsule-size 8192 B, io-timeout 7 ms", set.Lines);
        Assert.NotEqual(drawn.TraceHash, set.TraceHash);
    }

    [Fact]
    public void Without_in_capsule_data_every_write_is_fetched_by_RDMA_READ_and_with_it_none_is()
    {
        var none = Trace("run", "--rw-mix", "0", "--ios", "100", "--in-capsule-size", "0");
        var some = Trace("run", "--rw-mix", "0", "--ios", "100", "--in-capsule-size", "4096");

        // The Fabrics Connect data (1024 bytes) of each qpair is fetched by READ without in-capsule data too.
        Assert.True(Reads(none) >= 100, $"{Reads(none)} RDMA READs for 100 4 KiB writes without in-capsule data");
        Assert.True(Reads(some) < 100, $"{Reads(some)} RDMA READs for 100 4 KiB writes sent in-capsule");
    }

    [Fact]
    public void The_replay_command_keeps_the_topology_options_and_reproduces_the_run()
    {
        var plan = Write("read-error.json", """
            {"faults": [{"kind": "wc-error", "qp": "target/1", "wr": "rdma-read", "nth": 3, "status": "IBV_WC_RETRY_EXC_ERR"}]}
            """);

        // In-capsule 256 (SPDK HEAD's floor: room for 16 descriptors) so the writes can go as descriptor lists (several READs).
        var run = HarnessRun.Of("run", "--faults", plan, "--io-size", "32768", "--qd", "64", "--rw-mix", "0.2", "--ios", "300",
            "--defect", KnownDefectNames.PendingReadQueueDoubleInsert, "--srq", "on", "--provider", "rxe", "--in-capsule-size", "256", "--iovecs-max", "8");
        var command = run.Stderr.Split('\n').Single(l => l.StartsWith("replay: harness run ", StringComparison.Ordinal))["replay: harness ".Length..];
        var replay = HarnessRun.Of(command.Split(' '));

        Assert.True(run.Exit == 1, run.ToString());
        Assert.Contains(" --srq on --provider rxe --in-capsule-size 256 --iovecs-max 8 ", command, StringComparison.Ordinal);
        Assert.True(replay.Exit == 1, replay.ToString());
        Assert.Equal(run.TraceHash, replay.TraceHash);
    }

    [Fact]
    public void A_media_error_on_a_read_fails_exactly_that_read_with_02_81_and_sends_no_data()
    {
        var plan = Write("media.json", """
            {"faults": [{"kind": "controller-error", "op": "read", "nth": 3, "status": "unrecovered-read-error"}]}
            """);
        var trace = Path.Combine(_dir, "media.jsonl");

        var run = HarnessRun.Of("run", "--faults", plan, "--ios", "200", "--rw-mix", "1", "--trace", trace);
        var clean = Trace("run", "--faults", "none", "--ios", "200", "--rw-mix", "1");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal((200L, 199L, 1L), run.Ios);
        Assert.Contains("failed with: UNRECOVERED READ ERROR (02/81) ×1", run.Lines);
        Assert.Single(File.ReadLines(trace), l => l.Contains("\"op\":\"ctrlr_error\",\"status\":\"UNRECOVERED READ ERROR (02/81)\"", StringComparison.Ordinal));

        // The failed read's data never went back: one RDMA WRITE fewer than the clean run, which reads the same blocks.
        Assert.Equal(Writes(clean) - 1, Writes(File.ReadAllLines(trace)));
    }

    [Fact]
    public void A_write_fault_leaves_its_blocks_unknown_to_the_model_and_the_run_passes()
    {
        var plan = Write("write-fault.json", """
            {"faults": [{"kind": "controller-error", "op": "write", "nth": 2, "status": "write-fault"},
                        {"kind": "controller-error", "op": "any", "nth": 7, "status": "internal-error", "qid": 1}]}
            """);

        var run = HarnessRun.Of("run", "--faults", plan, "--ios", "400", "--qpairs", "2");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal(2L, run.Ios.Failed);
        Assert.Contains(run.Lines, l => l.StartsWith("failed with: ", StringComparison.Ordinal) && l.Contains("WRITE FAULTS (02/80) ×1", StringComparison.Ordinal)
            && l.Contains("INTERNAL DEVICE ERROR (00/06) ×1", StringComparison.Ordinal));
        Assert.DoesNotContain("never fired", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("host/0")] // the admin qpair: the controller and all its qpairs go
    [InlineData("target/*")]
    [InlineData("host/*")]
    public void A_completion_delayed_past_its_qpairs_disconnect_holds_the_qpair_until_it_comes_and_leaks_nothing(string qp)
    {
        const long DelayNs = 5_000_000;
        var plan = Write("delay.json", $$"""
            {"faults": [{"kind": "controller-delay", "op": "any", "nth": 20, "delayNs": {{DelayNs}}, "qid": 1},
                        {"kind": "disconnect", "qp": "{{qp}}", "atNs": 300000}]}
            """);
        var trace = Path.Combine(_dir, "delay.jsonl");

        var run = HarnessRun.Of("run", "--faults", plan, "--ios", "300", "--trace", trace);

        Assert.True(run.Exit == 0, run.ToString()); // the run's leak check and every oracle included
        Assert.DoesNotContain("never fired", run.Stdout, StringComparison.Ordinal);
        var lines = File.ReadAllLines(trace);
        var delayedAt = TimeOf(lines.Single(l => l.Contains("\"op\":\"ctrlr_delay\"", StringComparison.Ordinal)));
        var disconnectedAt = TimeOf(lines.First(l => l.Contains("\"node\":\"target\",\"qp\":", StringComparison.Ordinal) && l.Contains("\"op\":\"DISCONNECTED\"", StringComparison.Ordinal)));
        // One I/O qpair: the command executes on the first, target#1; reconnects make others.
        var destroyedAt = TimeOf(lines.Single(l => l.Contains("qpair target#1 (qid 1, qp 0x101): qpair destroyed", StringComparison.Ordinal)));
        Assert.True(disconnectedAt < delayedAt + DelayNs, $"the disconnect ({disconnectedAt} ns) must come while the command is executing (until {delayedAt + DelayNs} ns)");
        Assert.True(destroyedAt >= delayedAt + DelayNs, $"the target qpair of queue 1 was destroyed at {destroyedAt} ns, before its command executing since {delayedAt} ns completed");
    }

    [Fact]
    public void A_swarm_seed_may_cycle_its_controller_up_to_four_times_in_time_order_and_nothing_accumulates()
    {
        var seeds = Enumerable.Range(1, 200).Select(s => (Seed: (ulong)s, Setup: FaultProfileBuilder.Build(FaultProfiles.Swarm, (ulong)s, 2, 16, 300))).ToList();
        var counts = seeds.Select(s => s.Setup.ControllerActions.Count).ToList();
        var busiest = seeds.First(s => s.Setup.ControllerActions.Count == FaultProfileBuilder.ControllerCyclesMax && s.Setup.Description.Contains("controller cycles: 4", StringComparison.Ordinal));

        Assert.Contains(0, counts);
        Assert.True(counts.Max() >= FaultProfileBuilder.ControllerCyclesMax, $"at most {counts.Max()} controller actions in 200 seeds");
        Assert.All(seeds, s => Assert.Equal(s.Setup.ControllerActions.OrderBy(a => a.AtNs), s.Setup.ControllerActions));

        var run = HarnessRun.Of("run", "--faults", "swarm", "--seed", busiest.Seed.ToString(CultureInfo.InvariantCulture), "--ios", "300", "--qpairs", "2");
        Assert.True(run.Exit == 0, run.ToString()); // the leak check runs after the last cycle's teardown
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string[] Trace(params string[] args)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".jsonl");
        var run = HarnessRun.Of([.. args, "--trace", path]);
        Assert.True(run.Exit == 0, run.ToString());
        return File.ReadAllLines(path);
    }

    private static int Reads(string[] trace) =>
        trace.Count(l => l.Contains("\"ev\":\"post_send\",\"node\":\"target\"", StringComparison.Ordinal) && l.Contains("\"op\":\"RDMA_READ\"", StringComparison.Ordinal));

    private static int Writes(string[] trace) =>
        trace.Count(l => l.Contains("\"ev\":\"post_send\",\"node\":\"target\"", StringComparison.Ordinal) && l.Contains("\"op\":\"RDMA_WRITE\"", StringComparison.Ordinal));

    private static long TimeOf(string line) => long.Parse(TimeField().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex("^\\{\"t\":(\\d+),")]
    private static partial Regex TimeField();
}
