using Harness.HardwareRunner.Workloads;
using Harness.Sim.Core;

namespace Harness.HardwareRunner.Backends;

/// <summary>The workload's randomness on the simulated backend: the world's <c>workload</c> stream.</summary>
internal sealed class SimWorkloadRandom : IWorkloadRandom
{
    private readonly DeterministicRandom _random;
    private readonly SimWorkloadRandom? _iovecs;

    /// <summary>Draws from <paramref name="random"/>; the iovec counts too unless <paramref name="iovecs"/> is given.</summary>
    public SimWorkloadRandom(DeterministicRandom random, DeterministicRandom? iovecs = null)
    {
        _random = random;
        _iovecs = iovecs == null ? null : new SimWorkloadRandom(iovecs);
    }

    /// <summary>The world's <c>workload</c> stream, the iovec counts from its <c>workload.iovecs</c> stream.</summary>
    public SimWorkloadRandom(RandomStreams streams)
        : this(streams.Stream(StreamNames.Workload), streams.Stream(StreamNames.WorkloadIovecs))
    {
    }

    /// <inheritdoc/>
    public IWorkloadRandom Iovecs => _iovecs ?? this;

    /// <inheritdoc/>
    public ulong NextUInt64() => _random.NextUInt64();

    /// <inheritdoc/>
    public int NextInt(int maxExclusive) => _random.NextInt(maxExclusive);

    /// <inheritdoc/>
    public bool Chance(double p) => _random.Chance(p);
}
