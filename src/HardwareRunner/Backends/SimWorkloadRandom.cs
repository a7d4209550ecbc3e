using Harness.HardwareRunner.Workloads;
using Harness.Sim.Core;

namespace Harness.HardwareRunner.Backends;

/// <summary>The workload's randomness on the simulated backend: the world's <c>workload</c> stream.</summary>
internal sealed class SimWorkloadRandom : IWorkloadRandom
{
    private readonly DeterministicRandom _random;

    public SimWorkloadRandom(DeterministicRandom random) => _random = random;

    /// <inheritdoc/>
    public ulong NextUInt64() => _random.NextUInt64();

    /// <inheritdoc/>
    public int NextInt(int maxExclusive) => _random.NextInt(maxExclusive);

    /// <inheritdoc/>
    public bool Chance(double p) => _random.Chance(p);
}
