using System.Globalization;
using Harness.HardwareRunner;
using Harness.HardwareRunner.Scenarios;
using Harness.HardwareRunner.Sweep;
using Harness.Sim.Scenarios;
using Harness.Tests.Properties.Cli;
using Harness.Tests.Properties.FieldBugs.Support;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.FieldBugs;

/// <summary>
/// What <c>harness sweep</c> writes: every output path is checked before the first seed runs; the failing seeds and
/// their replay commands are printed before any file is written, so a write that still fails (a folder removed
/// meanwhile) is an error naming the option and the path, exit 2, with nothing lost and no partial file; a failing
/// seed's scenario is saved only when its file replays the failure.
/// </summary>
public sealed class SweepOutputTests : IDisposable
{
    private static readonly string[] FailingSweep =
    {
        "sweep", "--seeds", "1..3", "--faults", "retry-exceeded", "--defect", KnownDefectNames.PendingReadQueueDoubleInsert, "--ios", "200", "--workers", "2",
    };

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("harness-sweep-out-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("--junit", "/nonexistent-dir/j.xml", "its directory /nonexistent-dir does not exist")]
    [InlineData("--junit", "/proc/x.xml", "its directory does not take new files")]
    [InlineData("--out", "/proc/nope", "it does not take new files")]
    public void A_bad_output_path_is_refused_before_any_seed_runs(string option, string path, string why)
    {
        var run = HarnessRun.Of("sweep", "--seeds", "1..2", "--ios", "50", option, path);

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal(string.Empty, run.Stdout); // not even the header: nothing ran
        Assert.StartsWith($"harness sweep: {option} {path}: cannot write ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(why, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void An_out_folder_under_a_file_is_refused_and_a_missing_one_is_fine_until_a_scenario_needs_it()
    {
        var file = Path.Combine(_dir.FullName, "a-file");
        File.WriteAllText(file, "x");

        var underFile = HarnessRun.Of("sweep", "--seeds", "1", "--ios", "50", "--out", Path.Combine(file, "out"));
        var missing = HarnessRun.Of("sweep", "--seeds", "1", "--ios", "50", "--out", Path.Combine(_dir.FullName, "new", "deeper"));
        var unused = HarnessRun.Of("sweep", "--seeds", "1", "--ios", "50", "--minimise", "0", "--out", "/proc/nope");

        Assert.True(underFile.Exit == 2, underFile.ToString());
        Assert.Contains($"{file} is a file, not a folder", underFile.Stderr, StringComparison.Ordinal);
        Assert.True(missing.Exit == 0, missing.ToString());
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "new")), "the folder was made although no seed failed");
        Assert.True(unused.Exit == 0, unused.ToString()); // --minimise 0 writes no scenario: --out is not used
    }

    [Fact]
    public void A_junit_report_that_cannot_be_written_after_the_run_is_an_error_with_the_failing_seeds_already_listed()
    {
        var folder = Path.Combine(_dir.FullName, "reports");
        Directory.CreateDirectory(folder);
        var junit = Path.Combine(folder, "sweep.xml");
        var stdout = new HookedWriter("result: ", () => Directory.Delete(folder, recursive: true));
        var stderr = new StringWriter(CultureInfo.InvariantCulture);

        var exit = HarnessProgram.Run(FailingSweep.Concat(new[] { "--minimise", "0", "--junit", junit }).ToArray(), stdout, stderr);

        var output = stdout.ToString();
        Assert.True(exit == 2, $"exit {exit}\n{output}\n{stderr}");
        Assert.Matches(@"FAIL seed \d+: request-in-one-queue", output);
        Assert.Contains("  replay: harness run --backend sim --workload nvmf --seed ", output, StringComparison.Ordinal);
        Assert.Equal($"harness sweep: --junit {junit}: cannot write the report: its directory no longer exists", Errors(stderr).Single());
        Assert.False(Directory.Exists(folder), "something was written after the folder was removed");
    }

    [Fact]
    public void A_scenario_that_cannot_be_written_is_an_error_naming_out_and_the_report_is_still_written()
    {
        var parent = Path.Combine(_dir.FullName, "parent");
        var outDir = Path.Combine(parent, "failures");
        var junit = Path.Combine(_dir.FullName, "sweep.xml");
        var stdout = new HookedWriter("FAIL seed ", () => File.WriteAllText(parent, "now a file")); // --out's folder cannot be made any more
        var stderr = new StringWriter(CultureInfo.InvariantCulture);

        var exit = HarnessProgram.Run(FailingSweep.Concat(new[] { "--minimise", "1", "--out", outDir, "--junit", junit }).ToArray(), stdout, stderr);

        var output = stdout.ToString();
        Assert.True(exit == 2, $"exit {exit}\n{output}\n{stderr}");
        Assert.Contains("  replay: harness run ", output, StringComparison.Ordinal);
        Assert.Matches($@"^harness sweep: --out {System.Text.RegularExpressions.Regex.Escape(outDir)}/sweep-seed-\d+\.json: cannot write the scenario of seed \d+: ", Errors(stderr).Single());
        Assert.True(File.Exists(junit), "the JUnit report was not written");
        Assert.DoesNotContain("harness replay", File.ReadAllText(junit), StringComparison.Ordinal);
        Assert.Equal(new[] { "parent", "sweep.xml" }, _dir.GetFileSystemInfos().Select(f => f.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_lingering_defect_seed_is_saved_minimised_as_a_scenario_that_replays_the_hang()
    {
        var outDir = Path.Combine(_dir.FullName, "failures");

        var run = HarnessRun.Of("sweep", "--seeds", "40", "--defect", KnownDefectNames.LingeringWithoutCtrlrLock, "--minimise", "1", "--out", outDir);

        Assert.True(run.Exit == 1, run.ToString());
        Assert.Contains("FAIL seed 40: hang: ", run.Stdout, StringComparison.Ordinal);
        var scenario = Path.Combine(outDir, "sweep-seed-40.json");
        Assert.Contains($"  seed 40: scenario saved, minimised (minimised from 500 I/Os", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"its replay breaks hang again): harness replay {scenario}", run.Stdout, StringComparison.Ordinal);
        var replay = HarnessRun.Of("replay", scenario);
        Assert.True(replay.Exit == 0, replay.ToString());
    }

    [Theory]
    [InlineData(40, KnownDefectNames.LingeringWithoutCtrlrLock, 1)] // the host defect and the admin thread's preemptions matter here
    [InlineData(3, null, 0)]
    public void A_run_in_scenario_form_replays_the_run_itself_with_its_trace_hash(int seed, string? defect, int exit)
    {
        var file = Path.Combine(_dir.FullName, "run.json");
        var defects = defect == null ? string.Empty : $"\"defects\": [\"{defect}\"], ";
        File.WriteAllText(file, $$"""
            {"format": 1, "name": "run", "seed": {{seed}}, {{defects}}"expect": "must-pass",
             "topology": {"qpairs": 2, "queueDepth": 16}, "random": {"ios": 500, "ioSize": 4096, "rwMix": 0.5, "faultProfile": "swarm" } }
            """);
        var args = new[] { "run", "--seed", seed.ToString(CultureInfo.InvariantCulture), "--ios", "500", "--qpairs", "2", "--qd", "16", "--faults", "swarm" };

        var run = HarnessRun.Of(defect == null ? args : args.Concat(new[] { "--defect", defect }).ToArray());
        var replay = HarnessRun.Of("replay", file);

        Assert.True(run.Exit == exit, run.ToString());
        Assert.True(replay.Exit == exit, replay.ToString()); // must-pass: a broken invariant is exit 1, as for the run
        Assert.Equal(run.TraceHash, replay.TraceHash);
    }

    [Fact]
    public void A_seed_whose_scenario_does_not_replay_the_failure_saves_nothing_and_says_so()
    {
        var sweep = new SweepSettings { Qpairs = 1, Ios = 60, OutDir = _dir.FullName };
        var passing = SeedRunner.Run(sweep, 5);
        Assert.False(passing.Failed, passing.Output);
        var claimed = passing with { Exit = 1, Invariant = "hang", Detail = "a failure the scenario form cannot show" };

        var kept = new ScenarioKeeper(sweep).Keep(claimed);

        Assert.Equal(KeptForm.None, kept.Form);
        Assert.Null(kept.PathIn(_dir.FullName));
        Assert.Equal("no scenario saved: the unminimised scenario does not replay the failure (no invariant broke where the run broke hang); its replay command above does", kept.Why);
    }

    [Fact]
    public void When_the_minimised_scenario_does_not_replay_the_unminimised_one_is_saved_and_the_report_says_why()
    {
        var sweep = new SweepSettings { Qpairs = 1, Ios = 200, Faults = "retry-exceeded", Defects = new[] { KnownDefectNames.PendingReadQueueDoubleInsert } };
        var failed = Enumerable.Range(1, 10).Select(seed => SeedRunner.Run(sweep, (ulong)seed)).First(r => r.Failed);
        var real = new Func<ScenarioDocument, ScenarioOutcome>(d => ScenarioRunner.Run(d, new ScenarioRunOptions()));
        ScenarioOutcome MinimisedFileDoesNotReplay(ScenarioDocument d) =>
            d.Scenario.Description?.Contains(". minimised from", StringComparison.Ordinal) == true
                ? real(d) with { BrokenInvariant = null }
                : real(d);

        var kept = new ScenarioKeeper(sweep, MinimisedFileDoesNotReplay).Keep(failed);

        Assert.Equal(KeptForm.Unminimised, kept.Form);
        Assert.Equal(sweep.Ios, kept.Scenario!.Random!.Ios);
        Assert.StartsWith($"scenario saved, unminimised: the minimised one does not replay the failure (no invariant broke where the run broke {failed.Invariant}), the unminimised one does", kept.Why, StringComparison.Ordinal);
        Assert.Contains("Unminimised: the minimised scenario (minimised from", kept.Scenario.Description, StringComparison.Ordinal);
        Assert.Equal(ScenarioFile.ToJson(kept.Scenario), kept.Text);
    }

    /// <summary>The error lines of stderr (without the plain progress lines).</summary>
    private static IEnumerable<string> Errors(StringWriter stderr) =>
        stderr.ToString().Split('\n').Where(l => l.StartsWith("harness sweep: ", StringComparison.Ordinal));
}
