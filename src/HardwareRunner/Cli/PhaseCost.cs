using Harness.Sim.Fabric;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// What a stretch of a simulated run cost (or, as a sample, the running totals at one moment): CPU time and managed bytes
/// allocated by the simulation's thread, world events, virtual time, reactor poll rounds and those of them that found
/// nothing to do (the price of waiting).
/// </summary>
public readonly record struct PhaseCost(long CpuNs, long AllocatedBytes, long Events, long VirtualNs, long Rounds, long IdleRounds)
{
    /// <summary>The running totals now (the world's figures zero before it exists).</summary>
    public static PhaseCost Now(SimFabric? fabric)
    {
        long rounds = 0, idle = 0;
        if (fabric != null)
        {
            foreach (var r in fabric.Reactors.Reactors)
            {
                rounds += r.Ticks;
                idle += r.IdleTicks;
            }
        }

        return new PhaseCost(ThreadCpuClock.NowNs(), GC.GetAllocatedBytesForCurrentThread(),
            fabric?.World.EventsProcessed ?? 0, fabric?.World.NowNs ?? 0, rounds, idle);
    }

    public static PhaseCost operator +(PhaseCost a, PhaseCost b) => new(a.CpuNs + b.CpuNs, a.AllocatedBytes + b.AllocatedBytes,
        a.Events + b.Events, a.VirtualNs + b.VirtualNs, a.Rounds + b.Rounds, a.IdleRounds + b.IdleRounds);

    public static PhaseCost operator -(PhaseCost a, PhaseCost b) => new(a.CpuNs - b.CpuNs, a.AllocatedBytes - b.AllocatedBytes,
        a.Events - b.Events, a.VirtualNs - b.VirtualNs, a.Rounds - b.Rounds, a.IdleRounds - b.IdleRounds);
}
