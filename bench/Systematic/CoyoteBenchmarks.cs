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
[CpuTimeJob(RunStrategy.Monitoring, warmupCount: 1, iterationCount: 5)]
public class CoyoteBenchmarks
{
    public const int Schedules = 10;

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
