using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Harness.Bench.Systematic;
using FsCheck.Fluent;
using Harness.Tests.Properties.Host;
using Harness.Tests.Properties.Sequences;
using Harness.Transport.Target;

namespace Harness.Bench.Properties;

/// <summary>
/// (g) Time to find each seed bug with its known defect switched on, through the tests' own harnesses, from a fixed seed
/// (so every run finds it at the same case or schedule; the console line of each run says which):
/// <list type="bullet">
/// <item><c>lingering-without-ctrlr-lock</c> (SPDK #3347): the FsCheck host sequence property (tests/Properties,
/// <see cref="HostSequenceProperties"/>) until its first failing case, before shrinking; and Coyote exploring
/// tests/Systematic's <c>ControllerDeletionRacingEventPolling</c> (the proof-of-power scenario) until the hang.</item>
/// <item><c>pending-read-queue-double-insert</c>: the FsCheck target failure-sequence property (tests/Properties,
/// <see cref="SequenceProperties"/>, as its proof of power runs it) until its first failing case; and Coyote exploring
/// <c>ErrorDrainRacingReceives</c> until the double insert is caught.</item>
/// </list>
/// </summary>
[CpuTimeJob(RunStrategy.Monitoring, warmupCount: 1, iterationCount: 3)]
public class TimeToFindBenchmarks
{
    /// <summary>Cases or schedules a search may take at most (the proof-of-power tests' bound).</summary>
    public const int BudgetMax = 400;

    [GlobalSetup(Targets = [nameof(LingeringByCoyote), nameof(DoubleInsertByCoyote)])]
    public void WarmCoyote() => CoyoteExploration.Explore("Host.HostScenarios", "ControllerDeletionRacingEventPolling", 1, 1, defect: null);

    [Benchmark]
    public int LingeringByFsCheck()
    {
        Environment.SetEnvironmentVariable("HARNESS_DEFECT", "lingering-without-ctrlr-lock");
        try
        {
            var run = FsCheckRun.Check(new HostSequenceProperties().Any_sequence_of_submits_faults_cm_disturbances_and_resets_completes_every_command_once_and_leaks_nothing(),
                BudgetMax, seed: 1, stopAtFirstFailure: true);
            return Found("lingering-without-ctrlr-lock by FsCheck", run.Failed, run.Cases, "case");
        }
        finally
        {
            Environment.SetEnvironmentVariable("HARNESS_DEFECT", null);
        }
    }

    [Benchmark]
    public int DoubleInsertByFsCheck()
    {
        var run = FsCheckRun.Check(Prop.ForAll(FailureSequences.Arbitrary(), s => SequenceRun.Run(s, KnownDefects.PendingReadQueueDoubleInsert).AsExpected),
            BudgetMax, seed: 1, stopAtFirstFailure: true);
        return Found("pending-read-queue-double-insert by FsCheck", run.Failed, run.Cases, "case");
    }

    [Benchmark]
    public long LingeringByCoyote()
    {
        var (iterations, found) = CoyoteExploration.Explore("Host.HostScenarios", "ControllerDeletionRacingEventPolling", BudgetMax, 1, "lingering-without-ctrlr-lock");
        return Found("lingering-without-ctrlr-lock by Coyote", found, iterations, "schedule");
    }

    [Benchmark]
    public long DoubleInsertByCoyote()
    {
        var (iterations, found) = CoyoteExploration.Explore("Target.TargetScenarios", "ErrorDrainRacingReceives", BudgetMax, 1, "pending-read-queue-double-insert");
        return Found("pending-read-queue-double-insert by Coyote", found, iterations, "schedule");
    }

    private static int Found(string what, bool found, long at, string unit)
    {
        if (!found)
        {
            throw new InvalidOperationException($"{what}: not found within {at} {unit}s");
        }

        Console.WriteLine($"// {what}: found at {unit} {at}");
        return (int)at;
    }
}
