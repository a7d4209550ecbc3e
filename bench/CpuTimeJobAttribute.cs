using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace Harness.Bench;

/// <summary>
/// The job every benchmark here runs with, on a 2-core machine shared with other builds: one process, timed by the
/// process's CPU time (<see cref="ProcessCpuClock"/>: a neighbour's burst does not move it), a few warm-up and
/// <c>iterationCount</c> measured iterations. The steady-state benchmarks (fabric, end to end, scaling, target requests,
/// codecs) use the defaults: throughput, iterations of at least <see cref="IterationTimeMs"/> (BenchmarkDotNet's default
/// job runs up to 100 iterations per case and took over an hour for the suite). The searches (Coyote, FsCheck, time to
/// find) run each call once per iteration (<see cref="RunStrategy.Monitoring"/>). The README quotes medians.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class CpuTimeJobAttribute : JobConfigBaseAttribute
{
    public const int WarmupCountDefault = 3;
    public const int IterationCountDefault = 10;
    public const int IterationTimeMs = 250;

    public CpuTimeJobAttribute(RunStrategy strategy = RunStrategy.Throughput, int warmupCount = WarmupCountDefault, int iterationCount = IterationCountDefault)
        : base(Job.Default
            .WithStrategy(strategy)
            .WithLaunchCount(1)
            .WithWarmupCount(warmupCount)
            .WithIterationCount(iterationCount)
            .WithIterationTime(TimeInterval.FromMilliseconds(IterationTimeMs))
            .WithClock(ProcessCpuClock.Instance)
            .WithId(strategy == RunStrategy.Monitoring ? "CpuTimeOnce" : "CpuTime"))
    {
    }
}
