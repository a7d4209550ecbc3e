namespace Harness.HardwareRunner.Cli;

/// <summary>Values of <c>--workload</c>.</summary>
public static class WorkloadNames
{
    /// <summary>NVMe-oF Reads and Writes through the target transport and a host driver (the default).</summary>
    public const string Nvmf = "nvmf";

    /// <summary>The plain RDMA ping-pong (RDMA WRITE + SEND, RDMA READ back) without NVMe-oF.</summary>
    public const string Rdma = "rdma";

    public static IReadOnlyList<string> Names { get; } = new[] { Nvmf, Rdma };
}
