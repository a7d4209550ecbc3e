namespace Harness.Sim.Core;

/// <summary>
/// The one source of randomness of a simulated world: a seed and named, independent streams derived from it
/// (FoundationDB style). Each concern draws from its own stream, so adding a fault kind does not reshuffle the
/// workload or the CM event order.
/// </summary>
public sealed class RandomStreams
{
    private readonly Dictionary<string, DeterministicRandom> _streams = new(StringComparer.Ordinal);

    public RandomStreams(ulong seed) => Seed = seed;

    public ulong Seed { get; }

    /// <summary>The stream called <paramref name="name"/> (created on first use; same name, same sequence).</summary>
    public DeterministicRandom Stream(string name)
    {
        if (!_streams.TryGetValue(name, out var stream))
        {
            var mixed = Seed ^ StableHash(name);
            stream = new DeterministicRandom(DeterministicRandom.SplitMix64(ref mixed));
            _streams.Add(name, stream);
        }

        return stream;
    }

    /// <summary>FNV-1a over the UTF-16 code units: stable across processes, unlike <see cref="string.GetHashCode()"/>.</summary>
    public static ulong StableHash(string text)
    {
        var hash = 0xcbf29ce484222325UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 0x100000001b3UL;
        }

        return hash;
    }
}

/// <summary>Names of the random streams, so every draw site is greppable.</summary>
public static class StreamNames
{
    public const string SwarmDraw = "faults.swarm-draw";
    public const string PacketLoss = "faults.packet-loss";
    public const string WcError = "faults.wc-error";
    public const string CmFaults = "faults.cm";
    public const string PostErrorDraw = "faults.swarm-draw.post-error";
    public const string PostError = "faults.post-error";
    public const string ReachDraw = "faults.swarm-draw.reach";
    public const string TimedSwarm = "faults.swarm-timed";
    public const string StaleConn = "faults.stale-conn";
    public const string CallErrorDraw = "faults.swarm-draw.call-error";
    public const string CallError = "faults.call-error";
    public const string DeviceRemovalOrderDraw = "faults.swarm-draw.device-removal-order";
    public const string CmOrder = "cm.order";
    public const string Keys = "nic.keys";
    public const string WcUndefinedFields = "nic.wc-undefined-fields";
    public const string Workload = "workload";
    public const string WorkloadIovecs = "workload.iovecs";
}
