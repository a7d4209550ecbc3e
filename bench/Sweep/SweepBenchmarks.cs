using BenchmarkDotNet.Attributes;
using Harness.HardwareRunner.Sweep;

namespace Harness.Bench.Sweep;

/// <summary>
/// (h) A sweep's cost per seed, warmed: one operation is one seed of <c>harness sweep</c>'s default workload (swarm
/// faults, 500 I/Os on 2 qpairs at queue depth 16), run in-process through <see cref="SeedRunner"/> exactly as a sweep
/// worker runs it, the same <see cref="SeedsPerInvoke"/> seeds in every call. Unlike <c>/usr/bin/time harness sweep</c>
/// it leaves out process start-up and the JIT's first compilations (the setup runs every seed once); it runs on the
/// server GC, as the harness does. Issue 18 asks for 50 seeds per CPU-second.
/// </summary>
[MemoryDiagnoser]
[CpuTimeJob]
[GcServer(true)]
public class SweepBenchmarks
{
    /// <summary>Seeds per call (1..this): about 2 s of CPU.</summary>
    public const int SeedsPerInvoke = 100;

    private readonly SweepSettings _settings = new() { Workers = 1, MinimiseMax = 0 };

    [GlobalSetup]
    public void Setup() => RunSeeds(); // warm: every path the seeds take reaches tier-1 code

    [Benchmark(OperationsPerInvoke = SeedsPerInvoke)]
    public int Seeds() => RunSeeds();

    private int RunSeeds()
    {
        var failed = 0;
        for (ulong seed = 1; seed <= SeedsPerInvoke; seed++)
        {
            failed += SeedRunner.Run(_settings, seed).Failed ? 1 : 0;
        }

        return failed;
    }
}
