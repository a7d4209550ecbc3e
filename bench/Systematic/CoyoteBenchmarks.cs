using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Harness.Bench.Systematic;

/// <summary>
/// (e) Coyote: one schedule (iteration) of the standard systematic scenario, tests/Systematic's
/// <c>ControllerDeletionRacingEventPolling</c> (controller deletion racing CM event polling, SPDK #3347's shape), and of
/// the target's <c>ErrorDrainRacingReceives</c>, on the fixed transport (nothing to find: every schedule runs to its
/// end). One operation is one schedule, of <see cref="Schedules"/> explored per call with the tests' default strategy.
/// </summary>
[MemoryDiagnoser]
[CpuTimeJob(RunStrategy.Monitoring, warmupCount: WarmupIterations, iterationCount: 10)]
public class CoyoteBenchmarks
{
    public const int Schedules = 10;

    /// <summary>
    /// Warm-up iterations (of <see cref="Schedules"/> each): the rewritten transport is large, and tiered compilation
    /// settles only after some 300 schedules (perf showed the JIT at a quarter of the CPU before that). The figure is a
    /// schedule of a long (nightly) exploration; a CI run of a few hundred schedules pays the JIT on top.
    /// </summary>
    public const int WarmupIterations = 30;

    private uint _seed = 1;

    [Params("Host.HostScenarios.ControllerDeletionRacingEventPolling", "Target.TargetScenarios.ErrorDrainRacingReceives")]
    public string Scenario { get; set; } = "";

    [GlobalSetup]
    public void Setup() => Explore(); // loads and JITs the rewritten assemblies and Coyote

    /// <summary><see cref="Schedules"/> schedules; each call explores new ones (the seed moves on).</summary>
    [Benchmark(OperationsPerInvoke = Schedules)]
    public long Explore()
    {
        var dot = Scenario.LastIndexOf('.');
        var (iterations, found) = CoyoteExploration.Explore(Scenario[..dot], Scenario[(dot + 1)..], Schedules, _seed, defect: null);
        _seed += 10_007; // far apart: schedule i of seed s is schedule i+1 of seed s-1 (docs/systematic.md)
        if (found || iterations != Schedules)
        {
            throw new InvalidOperationException($"{Scenario}: the fixed transport failed (found {found}, {iterations} of {Schedules} schedules)");
        }

        return iterations;
    }
}
