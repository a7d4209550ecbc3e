using Harness.HardwareRunner.Workloads.Nvmf;

namespace Harness.HardwareRunner.Hardware;

/// <summary>What a hardware run of one process does (from the command line, validated).</summary>
public sealed record HardwareRunOptions
{
    public required HardwareRole Role { get; init; }

    /// <summary>The workload: the same options as a simulated run's, with the target's address from <c>--addr</c>.</summary>
    public required NvmfWorkloadOptions Workload { get; init; }

    /// <summary>The seed: the fault schedule, the I/O sequence, the host's preemption points.</summary>
    public required ulong Seed { get; init; }

    /// <summary>The faults, as actions of both sides.</summary>
    public required HardwareFaultPlan Faults { get; init; }

    /// <summary>Target: host sessions to serve before ending (0: until stopped or <see cref="DurationNs"/>).</summary>
    public int Sessions { get; init; }

    /// <summary>Target: longest run (0: none).</summary>
    public long DurationNs { get; init; }

    /// <summary>Longest the target may take to tear its qpairs down when it ends.</summary>
    public long TeardownNsMax { get; init; } = 10_000_000_000;
}
