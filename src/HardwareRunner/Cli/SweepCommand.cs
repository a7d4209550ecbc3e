using System.CommandLine;
using System.Globalization;
using Harness.HardwareRunner.Reports;
using Harness.HardwareRunner.Sweep;
using Harness.Transport.Target;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness sweep --seeds A..B [--defect NAME] [--shard I/N] [--junit FILE] [--coverage] [--coverage-json FILE]</c> (contract: DESIGN.md "The harness
/// command"): many seeds of <c>harness run</c> with swarm faults on all cores (<see cref="SweepRun"/>).
/// </summary>
internal static class SweepCommand
{
    /// <summary>Seeds run at once at most.</summary>
    public const int WorkersMax = 1024;

    private static readonly string WorkersRange = string.Create(CultureInfo.InvariantCulture, $"1..{WorkersMax}");

    public static Command Build(TextWriter stdout, TextWriter stderr, bool interactive) => Build(stdout, stderr, interactive, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Build(TextWriter, TextWriter, bool)"/>, reading the shard environment through <paramref name="getenv"/> (tests).</summary>
    public static Command Build(TextWriter stdout, TextWriter stderr, bool interactive, Func<string, string?> getenv)
    {
        var seeds = new Option<string>("--seeds") { HelpName = "A..B", Description = "Seeds to run, inclusive (or one seed N).", Required = true };
        var shard = new Option<string?>("--shard") { HelpName = "I/N", Description = "Run shard I of N (1-based; seeds dealt round-robin). Default: JOB_COMPLETION_INDEX/JOB_COMPLETIONS (Kubernetes Indexed Job), CI_NODE_INDEX/CI_NODE_TOTAL (GitLab), CIRCLE_NODE_INDEX/CIRCLE_NODE_TOTAL, BUILDKITE_PARALLEL_JOB/BUILDKITE_PARALLEL_JOB_COUNT, else all." };
        var defect = new Option<string[]>("--defect") { HelpName = "NAME", Description = $"Switch on a known defect for every seed (repeatable): {string.Join(", ", KnownDefectNames.All)}." };
        var junit = new Option<string?>("--junit") { HelpName = "FILE", Description = "Write a JUnit XML report (one test case per seed)." };
        var faults = new Option<string>("--faults") { HelpName = "PROFILE", Description = "Fault profile of every seed (default swarm: each seed draws its fault kinds and rates).", DefaultValueFactory = _ => FaultProfiles.Swarm };
        var ios = NumberOption.Int("--ios", "N", "I/Os per seed.", SweepSettings.IosDefault, RunRanges.Ios);
        var qpairs = NumberOption.Int("--qpairs", "N", "I/O qpairs per seed.", 2, RunRanges.NvmfQpairs);
        var qd = NumberOption.Int("--qd", "N", "Queue depth per qpair.", 16, RunRanges.NvmfQueueDepth);
        var ioSize = NumberOption.Int("--io-size", "BYTES", "Bytes per I/O.", 4096, RunRanges.NvmfIoSize);
        var workers = NumberOption.Int("--workers", "N", "Seeds run at once (default: the number of cores).", Environment.ProcessorCount, WorkersRange);
        var minimise = new Option<string>("--minimise") { HelpName = "all|N", Description = "Failing seeds minimised and saved as scenarios: all of them (default), or the first N (0: none).", DefaultValueFactory = _ => "all" };
        var paranoid = new Option<bool>("--paranoid") { Description = "Every seed walks all of the target's invariants after every poll, not only what the poll changed (harness run --paranoid: slower, same runs)." };
        var coverage = new Option<bool>("--coverage") { Description = "Count what the seeds reached (state transitions, fault sites, error completions, events × states) and print it, with what they never reached." };
        var coverageJson = new Option<string?>("--coverage-json") { HelpName = "FILE", Description = "Write what the seeds reached as JSON (counts coverage; merge the shards' files with harness coverage merge)." };
        var outDir = new Option<string>("--out") { HelpName = "DIR", Description = "Folder for the minimised failing scenarios.", DefaultValueFactory = _ => "sweep-failures" };
        var command = new Command("sweep", "Run many seeds with swarm faults on all cores; list failing seeds with the command that replays each, minimise and save them as scenarios.")
        {
            seeds, shard, defect, junit, faults, ios, qpairs, qd, ioSize, workers, minimise, outDir, paranoid, coverage, coverageJson,
        };
        command.SetAction(parse =>
        {
            var settings = Read(parse.GetValue(seeds)!, parse.GetValue(shard), getenv, stderr);
            var minimiseText = parse.GetValue(minimise)!;
            var minimiseMax = minimiseText == "all" ? int.MaxValue : int.TryParse(minimiseText, NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : -1;
            if (settings == null)
            {
                return HarnessProgram.ExitUsage;
            }

            if (minimiseMax < 0)
            {
                return Usage(stderr, $"--minimise {minimiseText}: 'all' or a number of seeds");
            }

            settings = settings with
            {
                Defects = parse.GetValue(defect) ?? Array.Empty<string>(),
                JunitPath = parse.GetValue(junit),
                Faults = parse.GetValue(faults)!,
                Ios = parse.GetValue(ios),
                Qpairs = parse.GetValue(qpairs),
                QueueDepth = parse.GetValue(qd),
                IoSize = parse.GetValue(ioSize),
                Workers = parse.GetValue(workers),
                MinimiseMax = minimiseMax,
                OutDir = parse.GetValue(outDir)!,
                Paranoid = parse.GetValue(paranoid),
                Coverage = parse.GetValue(coverage),
                CoverageJsonPath = parse.GetValue(coverageJson),
            };
            return Execute(settings, stdout, stderr, interactive);
        });
        return command;
    }

    public static int Execute(SweepSettings settings, TextWriter stdout, TextWriter stderr, bool interactive)
    {
        if (Check(settings) is { } problem)
        {
            return Usage(stderr, problem);
        }

        return new SweepRun(settings, stdout, stderr, interactive).Execute();
    }

    private static SweepSettings? Read(string seedsText, string? shardText, Func<string, string?> getenv, TextWriter stderr)
    {
        var range = SeedRange.TryParse(seedsText, out var problem);
        var shard = range == null ? null : shardText != null ? Shard.TryParse(shardText, out problem) : Shard.FromEnvironment(getenv, out problem);
        if (range == null || shard == null)
        {
            Usage(stderr, problem!);
            return null;
        }

        return new SweepSettings { Seeds = range.Value, Shard = shard.Value };
    }

    /// <summary>What is wrong with the settings (naming the option), or null. The per-seed options are checked as harness run checks them.</summary>
    private static string? Check(SweepSettings s)
    {
        if (s.Shard.SeedCount(s.Seeds) > SweepRun.SeedsPerProcessMax)
        {
            return string.Create(CultureInfo.InvariantCulture, $"--seeds {s.Seeds}: {s.Shard.SeedCount(s.Seeds)} seeds for this process, more than {SweepRun.SeedsPerProcessMax}: split it with --shard");
        }

        if (s.Workers < 1 || s.Workers > WorkersMax)
        {
            return string.Create(CultureInfo.InvariantCulture, $"--workers {s.Workers}: must be {WorkersRange}");
        }

        if (s.MinimiseMax < 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"--minimise {s.MinimiseMax}: must be 0 or more");
        }

        if (!FaultProfiles.IsKnown(s.Faults))
        {
            return $"--faults {s.Faults}: unknown fault profile (known: {string.Join(", ", FaultProfiles.Names)})";
        }

        if (KnownDefectNames.ParseAll(s.Defects, out var defects) is { } unknown)
        {
            return unknown;
        }

        return s.RunOf(0).WorkloadOptions(defects).Validate() // each seed's run: the same workload checks as harness run
            ?? CheckOutputs(s);
    }

    /// <summary>Every file the sweep will write, checked before the first seed runs (a bad path would lose its results).</summary>
    private static string? CheckOutputs(SweepSettings s) =>
        OutputPath.Problem(s.JunitPath, "--junit", "the report")
        ?? OutputPath.Problem(s.CoverageJsonPath, "--coverage-json", "the coverage")
        ?? (s.MinimiseMax > 0 ? OutputPath.FolderProblem(s.OutDir, "--out", "the failing seeds' scenarios") : null); // --minimise 0 writes none


    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"harness sweep: {message}");
        stderr.WriteLine("usage: harness sweep --help");
        return HarnessProgram.ExitUsage;
    }
}
