namespace Harness.HardwareRunner.Cli;

/// <summary>Values of <c>--backend</c>.</summary>
public static class BackendNames
{
    /// <summary>The deterministic simulated NIC and fabric.</summary>
    public const string Sim = "sim";

    /// <summary>Real libibverbs/librdmacm (see docs/hardware.md).</summary>
    public const string Ibverbs = "ibverbs";

    public static IReadOnlyList<string> Names { get; } = new[] { Sim, Ibverbs };

    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal);
}
