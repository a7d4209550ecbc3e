using Harness.HardwareRunner.Scenarios;
using Harness.Sim.Scenarios;
using Harness.Tests.Properties.Cli;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Scenarios;

/// <summary>
/// <c>harness replay</c>: the project's own scenarios as a regression suite (with HARNESS_DEFECT on top, as every test
/// that runs the transport), one file or a folder, exit codes 0/1/2, bad files named with line and field
/// without hiding the verdicts of the valid ones, and the same scenario giving the same trace hash.
/// </summary>
public sealed class ReplayCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replay-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_projects_scenarios_all_meet_their_expectations()
    {
        var files = Directory.GetFiles(RepoPaths.Scenarios, "*.json").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        var extra = KnownDefectNames.FromEnvironment();
        var outcomes = files.Select(f => ScenarioRunner.Run(ScenarioFile.Load(f), new ScenarioRunOptions { ExtraDefects = extra })).ToArray();
        var wrong = outcomes.Where(o => !o.AsExpected).Select(o => $"{o.Name}: {o.ResultLine} {o.Detail}").ToArray();
        Assert.True(wrong.Length == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void A_folder_replays_as_a_suite_and_exits_0_when_every_expectation_holds()
    {
        Copy("retry-exceeded-descriptor-list-write.json", "retry-exceeded-descriptor-list-write.defect.json");
        var run = HarnessRun.Of("replay", _dir);
        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("replay: 2 scenarios, 2 as expected, 0 not as expected", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("result: as expected (must-detect: request-in-one-queue): detected", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("IBV_WC_RETRY_EXC_ERR while 6 of its 8 READs were not yet posted", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_must_pass_scenario_with_the_defect_switched_on_exits_1_and_says_how_to_replay_it()
    {
        var file = Copy("retry-exceeded-descriptor-list-write.json")[0];
        var run = HarnessRun.Of("replay", file, "--defect", KnownDefectNames.PendingReadQueueDoubleInsert);
        Assert.True(run.Exit == 1, run.ToString());
        Assert.Contains("result: NOT AS EXPECTED: expected must-pass, but request-in-one-queue broke", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"replay: harness replay {file} --defect {KnownDefectNames.PendingReadQueueDoubleInsert}", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_files_in_a_folder_are_each_named_and_every_valid_scenario_still_runs_with_exit_2()
    {
        Copy("retry-exceeded-descriptor-list-write.json", "retry-exceeded-descriptor-list-write.defect.json");
        var notUtf8 = Path.Combine(_dir, "m-latin1.json");
        File.WriteAllBytes(notUtf8, [.. "{\n  \"format\": 1,\n  \"name\": \"caf"u8, 0xe9, .. "\",\n  \"expect\": \"must-pass\",\n  \"commands\": []\n}\n"u8]);
        var bad = Path.Combine(_dir, "zz-bad.json");
        File.WriteAllText(bad, "{\n  \"format\": 1,\n  \"name\": \"bad\",\n  \"expect\": \"must-pass\",\n  \"commands\": [\n    {\"op\": \"read\", \"qpair\": 1, \"lba\": -1, \"blocks\": 1}\n  ]\n}\n");

        var run = HarnessRun.Of("replay", _dir);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains($"{notUtf8}:3: name: not UTF-8: byte 0xe9 at line 3", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{bad}:6: commands[0].lba: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("result: as expected (must-pass): no invariant broken", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("result: as expected (must-detect: request-in-one-queue): detected", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("replay: 4 scenarios, 2 as expected, 0 not as expected, 2 not valid (not run)", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_with_a_bad_file_and_a_missed_expectation_still_exits_2()
    {
        Copy("retry-exceeded-descriptor-list-write.json");
        File.WriteAllText(Path.Combine(_dir, "zz-bad.json"), "{\"format\": 1, \"name\": \"bad\", \"expect\": \"must-pass\"}\n");

        var run = HarnessRun.Of("replay", _dir, "--defect", KnownDefectNames.PendingReadQueueDoubleInsert);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains("result: NOT AS EXPECTED: expected must-pass, but request-in-one-queue broke", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("replay: 2 scenarios, 0 as expected, 1 not as expected, 1 not valid (not run)", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(2, HarnessRun.Of("replay", Path.Combine(_dir, "missing.json")).Exit);
        Assert.Equal(2, HarnessRun.Of("replay", _dir).Exit); // an empty folder
        var file = Copy("retry-exceeded-descriptor-list-write.json")[0];
        Assert.Equal(2, HarnessRun.Of("replay", file, "--defect", "no-such-defect").Exit);
        Assert.Equal(2, HarnessRun.Of("replay", _dir, "--trace", Path.Combine(_dir, "t.jsonl")).Exit);
    }

    [Fact]
    public void The_same_scenario_replays_to_the_same_trace_hash_and_writes_its_trace()
    {
        var file = Copy("retry-exceeded-descriptor-list-write.json")[0];
        var trace = Path.Combine(_dir, "run.jsonl");
        var first = HarnessRun.Of("replay", file, "--trace", trace);
        var second = HarnessRun.Of("replay", file);
        Assert.True(first.Exit == 0, first.ToString());
        Assert.Equal(first.TraceHash, second.TraceHash);
        Assert.Contains("\"status\":\"IBV_WC_RETRY_EXC_ERR\"", File.ReadAllText(trace), StringComparison.Ordinal);
    }

    private string[] Copy(params string[] names) => names.Select(n =>
    {
        var target = Path.Combine(_dir, n);
        File.Copy(Path.Combine(RepoPaths.Scenarios, n), target);
        return target;
    }).ToArray();
}
