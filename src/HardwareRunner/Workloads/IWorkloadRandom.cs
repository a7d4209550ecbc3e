namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// The workload's seeded randomness (operation mix, blocks, data). The simulated backend hands out the world's
/// <c>workload</c> stream; a native run gets a generator seeded from <c>--seed</c>. Never an unseeded source.
/// </summary>
public interface IWorkloadRandom
{
    /// <summary>The next 64 random bits.</summary>
    ulong NextUInt64();

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>).</summary>
    int NextInt(int maxExclusive);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    bool Chance(double p);

    /// <summary>
    /// Where the per-I/O iovec count is drawn (the simulator's <c>workload.iovecs</c> stream, so that drawing it does not
    /// reshuffle the operation mix of a seed); this generator itself when there is no separate stream.
    /// </summary>
    IWorkloadRandom Iovecs => this;
}
