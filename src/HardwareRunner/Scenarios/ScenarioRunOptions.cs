using Harness.Sim.Tracing;
using Harness.Transport.Target;

namespace Harness.HardwareRunner.Scenarios;

/// <summary>How to run a scenario beyond what its file says.</summary>
public sealed record ScenarioRunOptions
{
    /// <summary>Known defects switched on in addition to the file's (<c>--defect</c>, HARNESS_DEFECT in the test suites).</summary>
    public KnownDefects ExtraDefects { get; init; }

    /// <summary>The trace to record into (null: hashed only).</summary>
    public Trace? Trace { get; init; }

    /// <summary>The packet capture the scenario's fabric reports to (<c>harness replay --pcap</c>), or null.</summary>
    public Sim.Wire.WireCapture? Capture { get; init; }
}
