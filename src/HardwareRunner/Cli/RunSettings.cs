using System.Globalization;
using System.Text;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Sim.Coverage;
using Harness.Sim.Scenarios;
using Harness.Transport.Host;
using Harness.Transport.Target;

namespace Harness.HardwareRunner.Cli;

/// <summary>Everything <c>harness run</c> was asked to do.</summary>
public sealed record RunSettings
{
    public string Backend { get; init; } = BackendNames.Sim;

    public string Workload { get; init; } = WorkloadNames.Nvmf;

    public ulong Seed { get; init; } = 1;

    public int Ios { get; init; } = 2000;

    public int Qpairs { get; init; } = 1;

    public int QueueDepth { get; init; } = 16;

    public int IoSize { get; init; } = 4096;

    /// <summary>Fraction of I/Os that are reads.</summary>
    public double RwMix { get; init; } = 0.5;

    /// <summary><c>--srq on|off</c>: the target uses a shared receive queue per poller (null: not given; the profile's draw, else off).</summary>
    public bool? Srq { get; init; }

    /// <summary><c>--provider mlx5|rxe</c>: the provider the simulated NIC behaves as (null: not given; the profile's draw, else mlx5).</summary>
    public string? Provider { get; init; }

    /// <summary>
    /// <c>--in-capsule-size BYTES</c>: the target's in-capsule data size (0: none; null: not given; the profile's draw, else
    /// <see cref="NvmfWorkloadOptions.InCapsuleDataSizeDefault"/>).
    /// </summary>
    public int? InCapsuleSize { get; init; }

    /// <summary><c>--iovecs-max</c>: most iovecs per I/O (null: the fault profile's draw, else 1).</summary>
    public int? IovecsMax { get; init; }

    /// <summary><c>--timeout-action reset|abort</c>: what the host does with a timed-out I/O command (null: not given, reset).</summary>
    public string? TimeoutAction { get; init; }

    /// <summary><c>--compare-and-write-fraction</c>: fraction of Writes sent as fused pairs (null: the profile's draw, else 0).</summary>
    public double? CompareAndWriteFraction { get; init; }

    /// <summary><c>--io-timeout-ms</c>: the host's I/O command timeout (null: the profile's draw, else 5000).</summary>
    public int? IoTimeoutMs { get; init; }

    /// <summary><c>--host-srq-size N</c>: rdma_srq_size of the host's poll groups (0: none; null: not given, the profile's draw, else 0).</summary>
    public int? HostSrqSize { get; init; }

    /// <summary><c>--faults</c> as given: a profile's name (<see cref="FaultProfiles"/>) or the path of a fault plan file.</summary>
    public string Faults { get; init; } = FaultProfiles.None;

    /// <summary>The fault plan file <see cref="Faults"/> names, once loaded (<see cref="FaultsValue.Resolve"/>); null for a profile.</summary>
    public FaultPlanFile? FaultPlan { get; init; }

    public IReadOnlyList<string> Defects { get; init; } = Array.Empty<string>();

    /// <summary>Where to write the JSONL trace, or null.</summary>
    public string? TracePath { get; init; }

    /// <summary><c>--pcap</c>: where to write the simulated fabric's packet capture, or null (nothing is captured).</summary>
    public string? PcapPath { get; init; }

    /// <summary>
    /// Counts what the run reached (state transitions, fault sites, error paths, events × states) into this map, or null
    /// (the default: nothing is counted). Set by <c>harness sweep --coverage</c> for each seed; not part of the replay command.
    /// </summary>
    public CoverageMap? Coverage { get; init; }

    /// <summary>
    /// Adds where the run's time went (<see cref="RunPhases"/>) into this, or null. Set by <c>harness sweep</c> for each
    /// seed; not part of the replay command. A simulated NVMe-oF run measures its phases (and prints them) either way.
    /// </summary>
    public RunPhases? Phases { get; init; }

    /// <summary>Where to write a JUnit XML report of the run, or null.</summary>
    public string? JunitPath { get; init; }

    /// <summary><c>--device</c>: the RDMA device of a hardware run (null: every device; the CM picks by address).</summary>
    public string? Device { get; init; }

    /// <summary><c>--role</c> of a hardware run: target, host or loopback (null: not given).</summary>
    public string? Role { get; init; }

    /// <summary><c>--addr</c> of a hardware run as given (IP:PORT: where the target listens and the host connects), or null.</summary>
    public string? Address { get; init; }

    /// <summary><c>--sessions</c>: host sessions a hardware target serves before it ends (null: until stopped).</summary>
    public int? Sessions { get; init; }

    /// <summary><c>--duration</c>: seconds a hardware target runs at most (null: no limit).</summary>
    public double? DurationSeconds { get; init; }

    /// <summary><c>--watchdog</c>: seconds after which a hardware run that has not finished is reported as hung (null: none).</summary>
    public double? WatchdogSeconds { get; init; }

    /// <summary>
    /// <c>--paranoid</c>: the full walk of the target's invariants after every poll of its reactors, not only the checks
    /// of what the poll changed (slower; the run and its trace hash are the same). Part of the replay command, so a
    /// failure is replayed with the checks that found it.
    /// </summary>
    public bool Paranoid { get; init; }

    /// <summary>True when an option that only a hardware run takes was given.</summary>
    public bool HasHardwareOptions => Device != null || Role != null || Address != null || Sessions != null || DurationSeconds != null || WatchdogSeconds != null;

    /// <summary>The NVMe-oF workload these settings ask for, with <paramref name="defects"/> on both sides, before a fault profile applies.</summary>
    public NvmfWorkloadOptions WorkloadOptions(KnownDefects defects) => new()
    {
        Ios = Ios,
        Qpairs = Qpairs,
        QueueDepth = QueueDepth,
        IoSize = IoSize,
        ReadFraction = RwMix,
        TargetSrq = Srq ?? false,
        InCapsuleDataSize = InCapsuleSize ?? NvmfWorkloadOptions.InCapsuleDataSizeDefault,
        IovecsMax = IovecsMax ?? 1,
        HostTimeoutAction = TimeoutAction == "abort" ? NvmeTimeoutAction.Abort : NvmeTimeoutAction.Reset,
        CompareAndWriteFraction = CompareAndWriteFraction ?? 0,
        HostIoTimeoutNs = IoTimeoutMs is int ms ? ms * 1_000_000L : NvmfWorkloadOptions.IoTimeoutNsDefault,
        HostRdmaSrqSize = HostSrqSize ?? 0,
        TargetDefects = defects,
        HostDefects = defects,
        CheckEveryPoll = Paranoid,
    };

    /// <summary>
    /// <paramref name="options"/> (after the fault profile applied) with what this run's <c>--srq</c> and
    /// <c>--in-capsule-size</c> say: given options win over the profile's draws, so a swarm seed can be set up by hand.
    /// </summary>
    public NvmfWorkloadOptions Topology(NvmfWorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with
        {
            TargetSrq = Srq ?? options.TargetSrq,
            InCapsuleDataSize = InCapsuleSize ?? options.InCapsuleDataSize,
            IovecsMax = IovecsMax ?? options.IovecsMax,
            HostTimeoutAction = TimeoutAction == null ? options.HostTimeoutAction : TimeoutAction == "abort" ? NvmeTimeoutAction.Abort : NvmeTimeoutAction.Reset,
            CompareAndWriteFraction = CompareAndWriteFraction ?? options.CompareAndWriteFraction,
            HostIoTimeoutNs = IoTimeoutMs is int ms ? ms * 1_000_000L : options.HostIoTimeoutNs,
            HostRdmaSrqSize = HostSrqSize ?? options.HostRdmaSrqSize,
        };
    }

    /// <summary>A topology option the run cannot honour (naming it), or null.</summary>
    public string? TopologyProblem()
    {
        if (Provider != null && Backend == BackendNames.Ibverbs)
        {
            return $"--provider {Provider}: only the simulated NIC takes it (a hardware run uses the device's own provider)";
        }

        if (Workload == WorkloadNames.Rdma && (Srq != null || Provider != null || InCapsuleSize != null || IovecsMax != null || TimeoutAction != null
            || CompareAndWriteFraction != null || IoTimeoutMs != null || HostSrqSize != null))
        {
            var option = Srq != null ? "--srq" : Provider != null ? "--provider" : InCapsuleSize != null ? "--in-capsule-size" : IovecsMax != null ? "--iovecs-max"
                : TimeoutAction != null ? "--timeout-action" : CompareAndWriteFraction != null ? "--compare-and-write-fraction" : IoTimeoutMs != null ? "--io-timeout-ms" : "--host-srq-size";
            return $"{option}: only the nvmf workload takes it (--workload rdma has no NVMe-oF target)";
        }

        return null;
    }

    /// <summary>The simulated NIC's provider: <c>--provider</c> if given, else the fault profile's draw.</summary>
    public Sim.Nic.SimProvider ProviderOr(Sim.Nic.SimProvider drawn) => Provider is { } p ? ScenarioNames.ParseProvider(p) : drawn;

    /// <summary>
    /// The run's faults: the plan file's as written, or the profile's drawn from the seed for this workload's shape.
    /// </summary>
    public FaultSetup FaultSetup() =>
        FaultPlan != null ? FaultProfileBuilder.FromFile(FaultPlan) : FaultProfileBuilder.Build(Faults, Seed, Qpairs, QueueDepth, Ios);

    /// <summary>The command line that replays this run exactly (without <c>--trace</c>; a plan file's path as given, quoted for a shell).</summary>
    public string ReplayCommand()
    {
        var sb = new StringBuilder("harness run");
        sb.Append(CultureInfo.InvariantCulture, $" --backend {Backend} --workload {Workload} --seed {Seed} --ios {Ios} --qpairs {Qpairs} --qd {QueueDepth} --io-size {IoSize}");
        if (Workload == WorkloadNames.Nvmf)
        {
            sb.Append(CultureInfo.InvariantCulture, $" --rw-mix {RwMix:R}");
        }

        AppendTopology(sb);
        sb.Append(" --faults ").Append(ShellWord.Quote(Faults));
        foreach (var defect in Defects)
        {
            sb.Append(" --defect ").Append(defect);
        }

        if (Paranoid)
        {
            sb.Append(" --paranoid");
        }

        if (Backend == BackendNames.Ibverbs)
        {
            AppendHardware(sb);
        }

        return sb.ToString();
    }

    /// <summary>The topology options given (those not given are the profile's draws, which the seed repeats).</summary>
    private void AppendTopology(StringBuilder sb)
    {
        if (Srq is bool srq)
        {
            sb.Append(" --srq ").Append(srq ? "on" : "off");
        }

        if (Provider != null)
        {
            sb.Append(" --provider ").Append(Provider);
        }

        if (InCapsuleSize is int size)
        {
            sb.Append(CultureInfo.InvariantCulture, $" --in-capsule-size {size}");
        }

        if (IovecsMax is int iovecs)
        {
            sb.Append(CultureInfo.InvariantCulture, $" --iovecs-max {iovecs}");
        }

        if (TimeoutAction != null)
        {
            sb.Append(" --timeout-action ").Append(TimeoutAction);
        }

        if (CompareAndWriteFraction is double fused)
        {
            sb.Append(CultureInfo.InvariantCulture, $" --compare-and-write-fraction {fused:R}");
        }

        if (IoTimeoutMs is int timeoutMs)
        {
            sb.Append(CultureInfo.InvariantCulture, $" --io-timeout-ms {timeoutMs}");
        }

        if (HostSrqSize is int hostSrq)
        {
            sb.Append(CultureInfo.InvariantCulture, $" --host-srq-size {hostSrq}");
        }
    }

    /// <summary>A hardware run's own options (it reruns with the same schedule; real time does not repeat).</summary>
    private void AppendHardware(StringBuilder sb)
    {
        var inv = CultureInfo.InvariantCulture;
        if (Device != null)
        {
            sb.Append(" --device ").Append(Device);
        }

        if (Role != null)
        {
            sb.Append(" --role ").Append(Role);
        }

        if (Address != null)
        {
            sb.Append(" --addr ").Append(Address);
        }

        if (Sessions != null)
        {
            sb.Append(inv, $" --sessions {Sessions}");
        }

        if (DurationSeconds != null)
        {
            sb.Append(inv, $" --duration {DurationSeconds:R}");
        }

        if (WatchdogSeconds != null)
        {
            sb.Append(inv, $" --watchdog {WatchdogSeconds:R}");
        }
    }
}
