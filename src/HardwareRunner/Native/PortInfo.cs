using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>One port of a device as <c>harness devices</c> shows it.</summary>
public sealed record PortInfo
{
    public byte Number { get; init; }

    public PortState State { get; init; }

    /// <summary><c>ibv_port_state_str</c> of <see cref="State"/> ("active", "down", …).</summary>
    public string StateText { get; init; } = string.Empty;

    /// <summary>"InfiniBand", "Ethernet" (RoCE) or "unspecified".</summary>
    public string LinkLayer { get; init; } = string.Empty;

    public Mtu ActiveMtu { get; init; }

    public int GidTableLength { get; init; }

    public IReadOnlyList<GidInfo> Gids { get; init; } = Array.Empty<GidInfo>();

    /// <summary>NIC counters of the port (<see cref="NicCounters.Read"/>); empty when sysfs has none.</summary>
    public IReadOnlyDictionary<string, long> Counters { get; init; } = new Dictionary<string, long>();
}
