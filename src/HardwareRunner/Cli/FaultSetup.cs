using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Sim.Faults;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// What a fault profile does to one run: the simulator's fault plan, the one-line description printed first, and the
/// workload settings the profile needs (e.g. retry-exceeded needs writes split across more READs than the read depth).
/// </summary>
public sealed record FaultSetup
{
    /// <summary>The simulator's faults.</summary>
    public FaultPlan Plan { get; init; } = FaultPlan.None;

    /// <summary>The line printed first, starting with <c>faults: </c>.</summary>
    public string Description { get; init; } = "faults: none";

    /// <summary>RDMA READs the host allows the target (null: the workload's default).</summary>
    public byte? HostReadDepth { get; init; }

    /// <summary>Size of large I/Os (0: none).</summary>
    public int LargeIoBytes { get; init; }

    /// <summary>Fraction of I/Os that are large.</summary>
    public double LargeIoFraction { get; init; }

    /// <summary>Delay before the host re-posts a response receive.</summary>
    public long RecvRepostDelayNs { get; init; }

    /// <summary>rnr_retry the host gives the target.</summary>
    public byte RnrRetryCount { get; init; } = VerbsLimits.RetryCountMax;

    /// <summary>The target uses a shared receive queue per poller (the swarm's topology draw).</summary>
    public bool TargetSrq { get; init; }

    /// <summary>The provider the simulated NIC behaves as (the swarm's draw).</summary>
    public Sim.Nic.SimProvider Provider { get; init; } = Sim.Nic.SimProvider.Mlx5;

    /// <summary>The target's in-capsule data size the swarm drew (null: the run's own).</summary>
    public int? InCapsuleDataSize { get; init; }

    /// <summary>Most iovecs per I/O the swarm drew (null: the run's own).</summary>
    public int? IovecsMax { get; init; }

    /// <summary>Fraction of I/Os issued as compare-and-write fused pairs the swarm drew (null: the run's own).</summary>
    public double? CompareAndWriteFraction { get; init; }

    /// <summary>What a timed-out I/O command leads to, as the swarm drew it (null: the run's own).</summary>
    public Transport.Host.NvmeTimeoutAction? TimeoutAction { get; init; }

    /// <summary>The host's I/O command timeout in ms the swarm drew (null: the run's own).</summary>
    public int? IoTimeoutMs { get; init; }

    /// <summary>The host poll groups' rdma_srq_size the swarm drew (null: the run's own).</summary>
    public int? HostRdmaSrqSize { get; init; }

    /// <summary>Iovecs of every large I/O (0: drawn like the others): retry-exceeded's descriptor lists.</summary>
    public int LargeIoIovecs { get; init; }

    /// <summary>Controller resets and deletions the host performs in the middle of the I/O, in time order.</summary>
    public IReadOnlyList<ControllerAction> ControllerActions { get; init; } = [];

    /// <summary>The workload options with this profile's settings applied.</summary>
    public NvmfWorkloadOptions Apply(NvmfWorkloadOptions options) => options with
    {
        HostReadDepth = HostReadDepth ?? options.HostReadDepth,
        LargeIoBytes = LargeIoBytes,
        LargeIoFraction = LargeIoFraction,
        HostRecvRepostDelayNs = RecvRepostDelayNs,
        HostRnrRetryCount = RnrRetryCount,
        ControllerActions = ControllerActions,
        TargetSrq = TargetSrq || options.TargetSrq,
        InCapsuleDataSize = InCapsuleDataSize ?? options.InCapsuleDataSize,
        IovecsMax = IovecsMax ?? options.IovecsMax,
        HostRdmaSrqSize = HostRdmaSrqSize ?? options.HostRdmaSrqSize,
        LargeIoIovecs = LargeIoIovecs,
        CompareAndWriteFraction = CompareAndWriteFraction ?? options.CompareAndWriteFraction,
        HostTimeoutAction = TimeoutAction ?? options.HostTimeoutAction,
        HostIoTimeoutNs = IoTimeoutMs is int ms ? ms * 1_000_000L : options.HostIoTimeoutNs,
    };
}
