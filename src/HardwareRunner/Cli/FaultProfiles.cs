namespace Harness.HardwareRunner.Cli;

/// <summary>Values of <c>--faults</c> (see <see cref="FaultProfileBuilder"/> for what each does).</summary>
public static class FaultProfiles
{
    /// <summary>No faults.</summary>
    public const string None = "none";

    /// <summary>One RDMA READ of the target completes with RETRY_EXC_ERR while writes are split across more READs than the read depth.</summary>
    public const string RetryExceeded = "retry-exceeded";

    /// <summary>QPs forced to ERR at seed-chosen times: every outstanding WR flushes.</summary>
    public const string FlushStorm = "flush-storm";

    /// <summary>The host re-posts response receives late: responses outrun receives (RNR NAKs, maybe RNR_RETRY_EXC_ERR).</summary>
    public const string Rnr = "rnr";

    /// <summary>rdma_disconnect of seed-chosen qpairs (host or target side, admin included) mid-run.</summary>
    public const string Disconnects = "disconnects";

    /// <summary>Swarm testing: the seed draws packet loss, WC errors and CM delays, plus a mix of the profiles above.</summary>
    public const string Swarm = "swarm";

    /// <summary>
    /// The faults a nightly run on real hardware causes (QPs to ERR, disconnects, REM_ACCESS_ERR and RETRY_EXC_ERR on a READ,
    /// a controller action), drawn by the seed; on the simulator the same plan runs as simulated faults.
    /// </summary>
    public const string Nightly = "nightly";

    /// <summary>Every profile.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { None, RetryExceeded, FlushStorm, Rnr, Disconnects, Swarm, Nightly };

    /// <summary>The profiles the plain RDMA ping-pong workload supports (the others drive the NVMe-oF transport).</summary>
    public static IReadOnlyList<string> PingPongNames { get; } = new[] { None, Swarm };

    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal);
}
