using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Harness.Tests.Properties.Host;

namespace Harness.Bench.Properties;

/// <summary>
/// (f) FsCheck cases per second of the queue-invariant property on main: tests/Properties'
/// <see cref="HostSequenceProperties"/> (random sequences of submits, WR errors, QP errors, disconnects, CM delays,
/// slow CQs, qpair reconnects and resets, then a controller delete, run by the host against the real target with the
/// target's invariants checked after every simulator event; every command once, nothing leaked). The target-side
/// failure-sequence properties of issue 5 (tests/Properties/Sequences) are still on branch <c>scenarios</c>; this
/// class gets a benchmark for them when they land. One operation is one case, from a fixed FsCheck seed.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class FsCheckBenchmarks
{
    public const int Cases = 25;

    [GlobalSetup]
    public void Setup() => Environment.SetEnvironmentVariable("HARNESS_DEFECT", null); // the fixed transport

    [Benchmark(OperationsPerInvoke = Cases)]
    public int HostSequenceCases()
    {
        var run = FsCheckRun.Check(new HostSequenceProperties().Any_sequence_of_submits_faults_cm_disturbances_and_resets_completes_every_command_once_and_leaks_nothing(),
            Cases, seed: 1, stopAtFirstFailure: true);
        if (run.Failed || run.Cases != Cases)
        {
            throw new InvalidOperationException($"the property failed on the fixed transport ({run.Cases} cases)");
        }

        return run.Cases;
    }
}
