using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using FsCheck.Fluent;
using Harness.Tests.Properties.Host;
using Harness.Tests.Properties.Sequences;

namespace Harness.Bench.Properties;

/// <summary>
/// (f) FsCheck cases per second, on the fixed transport, from a fixed FsCheck seed (every run draws the same cases):
/// <list type="bullet">
/// <item><see cref="TargetSequenceCases"/>: the main queue-invariant property, tests/Properties'
/// <see cref="SequenceProperties"/> (issue 5: generated failure sequences run on the target and host stacks through the
/// scenario runner, the target's queue invariants and its bookkeeping model checked in lockstep after every simulator
/// event, every read verified, every command once, nothing left after teardown).</item>
/// <item><see cref="HostSequenceCases"/>: <see cref="HostSequenceProperties"/> (submits, WR and QP errors, disconnects,
/// CM delays, slow CQs, reconnects and resets, then a controller delete, from the host's side).</item>
/// </list>
/// One operation is one case.
/// </summary>
[MemoryDiagnoser]
[CpuTimeJob(RunStrategy.Monitoring, warmupCount: 1, iterationCount: 5)]
public class FsCheckBenchmarks
{
    public const int Cases = 25;

    [GlobalSetup]
    public void Setup() => Environment.SetEnvironmentVariable("HARNESS_DEFECT", null); // the fixed transport

    [Benchmark(OperationsPerInvoke = Cases)]
    public int TargetSequenceCases() => Require("target failure sequences",
        FsCheckRun.Check(Prop.ForAll(FailureSequences.Arbitrary(), s => SequenceRun.Require(s, SequenceRun.Run(s))), Cases, seed: 1, stopAtFirstFailure: true));

    [Benchmark(OperationsPerInvoke = Cases)]
    public int HostSequenceCases() => Require("host sequences",
        FsCheckRun.Check(new HostSequenceProperties().Any_sequence_of_submits_faults_cm_disturbances_and_resets_completes_every_command_once_and_leaks_nothing(),
            Cases, seed: 1, stopAtFirstFailure: true));

    private static int Require(string what, FsCheckRun run)
    {
        if (run.Failed || run.Cases != Cases)
        {
            throw new InvalidOperationException($"{what}: the property failed on the fixed transport ({run.Cases} of {Cases} cases)");
        }

        return run.Cases;
    }
}
