using Harness.HardwareRunner.Workloads;
using Harness.HardwareRunner.Workloads.Nvmf;

namespace Harness.HardwareRunner.Hardware;

/// <summary>What one hardware run did: the verdict and what the summary and the JUnit report show.</summary>
public sealed record HardwareOutcome
{
    /// <summary>The first invariant that broke, or null.</summary>
    public WorkloadViolation? Violation { get; init; }

    /// <summary>The workload (host and loopback roles), or null.</summary>
    public NvmfWorkload? Workload { get; init; }

    /// <summary>The target (target and loopback roles), or null.</summary>
    public NvmfTargetSide? Target { get; init; }

    /// <summary>Host sessions the target-only run saw end.</summary>
    public int SessionsEnded { get; init; }

    /// <summary>What ended a target-only run (sessions, duration, a signal).</summary>
    public string? EndedBy { get; init; }

    /// <summary>Every fault action of this process: made, failed and not made.</summary>
    public IReadOnlyList<InjectedAction> Injected { get; init; } = [];

    /// <summary>Wall time of the run.</summary>
    public TimeSpan Wall { get; init; }
}
