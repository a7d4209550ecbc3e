using System.Text;
using Harness.HardwareRunner.Cli;
using Harness.HardwareRunner.Hardware;
using Harness.Tests.Properties.Scenarios;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// <c>harness run --faults FILE</c> (DESIGN.md: <c>--faults PROFILE|FILE</c>): a fault plan file drives the simulated
/// NVMe-oF run as written; a bad one is exit 2 naming its line and field before anything runs; a fault that never fired
/// is a warning; the replay command of a failing run reproduces it; the rdma workload refuses a file and the hardware
/// backend maps it or refuses what has no hardware counterpart.
/// </summary>
public sealed class RunFaultPlanFileTests : IDisposable
{
    /// <summary>The 3rd RDMA READ of the first I/O qpair fails (READ #1 is its Fabrics Connect data).</summary>
    private const string ReadErrorPlan = """
        {
          "faults": [
            {"kind": "wc-error", "qp": "target/1", "wr": "rdma-read", "nth": 3, "status": "IBV_WC_RETRY_EXC_ERR"}
          ]
        }
        """;

    /// <summary>Writes of 8 blocks (8 RDMA READs each): the plan's READ comes early in the run.</summary>
    private static readonly string[] SplitWrites = ["--io-size", "32768", "--ios", "300"];

    private readonly string _dir = Directory.CreateTempSubdirectory("run-fault-plan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_plan_file_drives_the_run_and_the_same_file_gives_the_same_trace_twice()
    {
        var plan = Write("plan.json", ReadErrorPlan);
        var trace = Path.Combine(_dir, "t.jsonl");

        var first = HarnessRun.Of(["run", "--faults", plan, "--trace", trace, .. SplitWrites]);
        var second = HarnessRun.Of(["run", "--faults", plan, .. SplitWrites]);
        var none = HarnessRun.Of(["run", "--faults", "none", .. SplitWrites]);

        Assert.True(first.Exit == 0, first.ToString());
        Assert.Equal($"faults: RDMA READ #3 of target/1 completes IBV_WC_RETRY_EXC_ERR (fault plan {plan})", first.Lines[0]);
        Assert.Contains(File.ReadLines(trace), l => l.Contains("\"ev\":\"fault\"", StringComparison.Ordinal)
            && l.Contains("\"op\":\"wc_error\",\"status\":\"IBV_WC_RETRY_EXC_ERR\",\"arg\":3", StringComparison.Ordinal));
        Assert.DoesNotContain("never fired", first.Stdout + first.Stderr, StringComparison.Ordinal);
        Assert.Equal(first.TraceHash, second.TraceHash);
        Assert.NotEqual(none.TraceHash, first.TraceHash);
    }

    [Fact]
    public void A_plan_file_run_is_the_random_scenario_with_the_plans_faults_whatever_the_file_is_called()
    {
        var plan = Write("plan.json", ReadErrorPlan);
        var copy = Write("another name.json", ReadErrorPlan);
        var scenario = Write("as-scenario.json", """
            {
              "format": 1, "name": "plan-as-scenario", "seed": 1, "expect": "must-pass",
              "random": {"ios": 300, "ioSize": 32768},
              "faults": [
                {"kind": "wc-error", "qp": "target/1", "wr": "rdma-read", "nth": 3, "status": "IBV_WC_RETRY_EXC_ERR"}
              ]
            }
            """);

        var run = HarnessRun.Of(["run", "--faults", plan, .. SplitWrites]);
        var copied = HarnessRun.Of(["run", "--faults", copy, .. SplitWrites]);
        var replay = HarnessRun.Of("replay", scenario);

        Assert.True(replay.Exit == 0, replay.ToString());
        Assert.Equal(replay.TraceHash, run.TraceHash);
        Assert.Equal(run.TraceHash, copied.TraceHash);
    }

    [Theory]
    [InlineData("\"nth\": \"3\"", "faults[0].nth")]
    [InlineData("\"nth\": 3, \"when\": 1", "faults[0].when")]
    [InlineData("\"nth\": 3, \"nth\": 4", "faults[0].nth")]
    public void A_bad_plan_file_is_exit_2_naming_its_line_and_field_before_anything_runs(string nth, string field)
    {
        var plan = Write("bad.json", ReadErrorPlan.Replace("\"nth\": 3", nth, StringComparison.Ordinal));
        var trace = Path.Combine(_dir, "t.jsonl");

        var run = HarnessRun.Of("run", "--faults", plan, "--trace", trace);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal(string.Empty, run.Stdout); // not even the fault line
        Assert.StartsWith($"harness run: {plan}:3: {field}: ", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(trace));
    }

    [Fact]
    public void A_value_that_is_neither_a_profile_nor_a_file_names_both_possibilities()
    {
        var missing = Path.Combine(_dir, "no-such-plan.json");

        var run = HarnessRun.Of("run", "--faults", missing);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal($"harness run: --faults {missing}: neither a fault profile (none, retry-exceeded, flush-storm, rnr, disconnects, swarm, nightly) nor an existing fault plan file (docs/scenarios.md, \"Fault plan files\")",
            run.Stderr.Split('\n')[0]);
    }

    [Fact]
    public void A_fault_that_never_fires_is_a_warning_in_the_summary_and_on_stderr()
    {
        var plan = Write("never.json", ReadErrorPlan.Replace("\"nth\": 3", "\"nth\": 1000000", StringComparison.Ordinal));
        var warning = $"{plan}:3: warning: faults[0] (RDMA READ #1000000 of target/1 completes IBV_WC_RETRY_EXC_ERR) never fired";

        var run = HarnessRun.Of(["run", "--faults", plan, .. SplitWrites]);

        Assert.True(run.Exit == 0, run.ToString()); // a warning: the verdict is the run's
        Assert.Equal([warning, "result: ok, no invariant broken"], run.Lines[^3..^1]);
        Assert.Equal($"harness run: {warning}", run.Stderr.TrimEnd('\n'));
    }

    [Fact]
    public void The_replay_command_of_a_failing_run_reproduces_it_with_the_path_quoted()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "field bug's plans")).FullName;
        var plan = Path.Combine(folder, "read error.json");
        File.WriteAllText(plan, ReadErrorPlan);

        var run = HarnessRun.Of("run", "--faults", plan, "--io-size", "32768", "--qd", "64", "--rw-mix", "0.2", "--ios", "300", "--iovecs-max", "8",
            "--defect", KnownDefectNames.PendingReadQueueDoubleInsert);
        var command = run.Stderr.Split('\n').Single(l => l.StartsWith("replay: harness run ", StringComparison.Ordinal))["replay: harness ".Length..];
        var replay = HarnessRun.Of(ShellWords(command));

        Assert.True(run.Exit == 1, run.ToString());
        Assert.Contains("invariant broken: request-in-one-queue", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($" --faults {ShellWord.Quote(plan)} ", command, StringComparison.Ordinal);
        Assert.True(replay.Exit == 1, replay.ToString());
        Assert.Equal(run.TraceHash, replay.TraceHash);
    }

    [Fact]
    public void The_documented_example_plan_finds_the_pending_read_queue_defect_and_passes_without_it()
    {
        var example = Path.Combine(RepoPaths.Root, "docs", "fault-plan-example.json");
        string[] args = ["run", "--faults", example, "--io-size", "32768", "--qd", "64", "--rw-mix", "0.2", "--ios", "300", "--iovecs-max", "8"];

        var fixedRun = HarnessRun.Of(args);
        var defective = HarnessRun.Of([.. args, "--defect", KnownDefectNames.PendingReadQueueDoubleInsert]);

        Assert.True(fixedRun.Exit == 0, fixedRun.ToString());
        Assert.DoesNotContain("never fired", fixedRun.Stdout, StringComparison.Ordinal);
        Assert.True(defective.Exit == 1, defective.ToString());
        Assert.Contains("result: INVARIANT BROKEN: request-in-one-queue", defective.Lines);
    }

    [Fact]
    public void The_rdma_workload_refuses_a_plan_file_and_says_which_workload_takes_one()
    {
        var plan = Write("plan.json", ReadErrorPlan);

        var run = HarnessRun.Of("run", "--workload", "rdma", "--faults", plan);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal(string.Empty, run.Stdout);
        Assert.StartsWith($"harness run: --faults {plan}: the rdma workload does not take a fault plan file, only none or swarm", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("--workload nvmf", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hardware_run_refuses_a_plan_file_fault_with_no_hardware_counterpart_before_touching_the_machine()
    {
        var plan = Write("cm.json", """
            {"faults": [{"kind": "drop-cm-event", "event": "RDMA_CM_EVENT_ESTABLISHED", "nth": 1}]}
            """);

        var run = HarnessRun.Of("run", "--backend", "ibverbs", "--role", "host", "--addr", "192.0.2.1:4420", "--faults", plan);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.StartsWith($"harness run: --faults {plan}: 1 fault(s) of the fault plan file have no hardware counterpart and are not run: DropCmEventFault", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("CM events are delivered by the kernel's CM", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hardware_run_maps_a_plan_files_read_error_to_its_hardware_action()
    {
        var plan = Write("plan.json", ReadErrorPlan);
        var given = new RunSettings { Backend = BackendNames.Ibverbs, Role = "host", Address = "192.0.2.1:4420", Faults = plan };

        Assert.Null(FaultsValue.Resolve(given, out var settings));
        var problem = RunHardware.Check(settings, out var request);

        Assert.Null(problem);
        var action = Assert.Single(request!.Plan.Actions);
        Assert.Equal(HardwareActionKind.SilenceUnderRead, action.Kind);
        Assert.Equal(3, action.NthRead);
    }

    [Fact]
    public void Run_help_names_both_forms_of_faults()
    {
        var help = HarnessRun.Of("run", "--help").Stdout;

        Assert.Contains("--faults <PROFILE|FILE>", help, StringComparison.Ordinal);
        Assert.Contains("fault plan file", help, StringComparison.Ordinal);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A command line split as a POSIX shell splits it (blanks; single quotes; a backslash outside them).</summary>
    private static string[] ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == ' ')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }

                continue;
            }

            inWord = true;
            if (c == '\'')
            {
                var end = line.IndexOf('\'', i + 1);
                word.Append(line, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '\\')
            {
                word.Append(line[++i]);
            }
            else
            {
                word.Append(c);
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return [.. words];
    }
}
