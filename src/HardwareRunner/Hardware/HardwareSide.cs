namespace Harness.HardwareRunner.Hardware;

/// <summary>The side of an NVMe-oF connection a hardware fault action is done on (the simulator's host names).</summary>
public enum HardwareSide
{
    /// <summary>The target ("target" in a <see cref="Sim.Faults.QpSelector"/>).</summary>
    Target,

    /// <summary>The host ("host" in a <see cref="Sim.Faults.QpSelector"/>).</summary>
    Host,
}

/// <summary>Names of <see cref="HardwareSide"/> as the simulator's fault selectors spell them.</summary>
public static class HardwareSideNames
{
    public const string Target = "target";
    public const string Host = "host";

    public static string ToName(this HardwareSide side) => side == HardwareSide.Target ? Target : Host;
}
