using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace Harness.Bench;

/// <summary>
/// The job every benchmark here runs with, on a 2-core machine shared with other builds: one process, timed by the
/// process's CPU time (<see cref="ProcessCpuClock"/>: a neighbour's burst moves it far less than the wall clock), a few
/// warm-up and <c>iterationCount</c> measured iterations, a fixed count rather than BenchmarkDotNet's default of up to
/// 100 per case, so the whole suite takes about 20 minutes there. The steady-state benchmarks (fabric, end to end,
/// scaling, target requests, codecs) use the defaults: throughput, iterations of at least <see cref="IterationTimeMs"/>.
/// The searches (Coyote, FsCheck, time to find) run each call once per iteration (<see cref="RunStrategy.Monitoring"/>).
/// The README quotes the median and the best iteration.
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
