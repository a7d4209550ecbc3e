using System.CommandLine;
using Harness.HardwareRunner.Hardware;
using Harness.Transport.Target;

namespace Harness.HardwareRunner.Cli;

/// <summary>The options of <c>harness run</c> (contract: DESIGN.md "The harness command") and how they become <see cref="RunSettings"/>.</summary>
internal sealed class RunCommandLine
{
    private readonly Option<string> _backend = Choice("--backend", "sim|ibverbs", BackendNames.Sim, BackendNames.Names, "backend",
        "Verbs backend: sim (simulated NIC and fabric) or ibverbs (real rdma-core: --role, --addr, --device; docs/hardware.md).");

    private readonly Option<string> _workload = Choice("--workload", "nvmf|rdma", WorkloadNames.Nvmf, WorkloadNames.Names, "workload",
        "nvmf: NVMe-oF Reads/Writes through the target transport and a host driver; rdma: the plain RDMA ping-pong.");

    private readonly Option<ulong> _seed = NumberOption.ULong("--seed", "N", "The seed: it fixes everything on the simulated backend.", 1);
    private readonly Option<int> _ios = NumberOption.Int("--ios", "N", "I/Os in total, split across the qpairs.", 2000, RunRanges.Ios);
    private readonly Option<int> _qpairs = NumberOption.Int("--qpairs", "N", "I/O qpairs, each on its own host thread (all on one shared CM event channel per side).", 1, RunRanges.Qpairs);
    private readonly Option<int> _qd = NumberOption.Int("--qd", "N", "Queue depth: I/Os in flight per qpair.", 16, RunRanges.QueueDepth);
    private readonly Option<int> _ioSize = NumberOption.Int("--io-size", "BYTES", "Bytes per Read/Write (nvmf: a multiple of the 4096-byte block).", 4096, RunRanges.IoSize);
    private readonly Option<double> _rwMix = NumberOption.Double("--rw-mix", "FRACTION", "Fraction of I/Os that are reads (nvmf).", 0.5, RunRanges.RwMix);

    private readonly Option<string> _srq = Choice("--srq", "on|off", null, OnOff, "value",
        "nvmf: the target uses one shared receive queue per poller (on) or a receive queue per qpair (off). Default: the fault profile's draw (swarm), else off.");

    private readonly Option<string> _provider = Choice("--provider", "mlx5|rxe", null, Providers, "provider",
        "sim: the provider the simulated NIC behaves as (rxe: Soft-RoCE, no LAST_WQE_REACHED). Default: the fault profile's draw (swarm), else mlx5.");

    private readonly Option<int?> _inCapsuleSize = NumberOption.OptionalInt("--in-capsule-size", "BYTES",
        "nvmf: the target's in-capsule data size (a multiple of 16; 0: none); the host sends a Write whose data fits in the capsule. Default: the fault profile's draw (swarm), else 4096.",
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"0..{TargetOptions.InCapsuleDataSizeMax}"));

    private readonly Option<int?> _iovecsMax = NumberOption.OptionalInt("--iovecs-max", "N",
        "nvmf: most iovecs an I/O's payload is scattered over; each I/O draws 1..N, and several go as a descriptor list (SPDK's host, up to the controller's max SGEs). Default: the fault profile's draw (swarm), else 1.",
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"1..{Workloads.Nvmf.NvmfWorkloadOptions.IovecsMaxLimit}"));

    private readonly Option<string> _timeoutAction = Choice("--timeout-action", "reset|abort", null, TimeoutActions, "action",
        "nvmf: what the host does with a timed-out I/O command: reset (its qpair fails and is reconnected) or abort (an Abort names it, as bdev_nvme's action_on_timeout; one that fails falls back to reset). Default: reset.");

    private readonly Option<double?> _compareAndWrite = NumberOption.OptionalDouble("--compare-and-write-fraction", "FRACTION",
        "nvmf: fraction of the Writes (whose blocks the host knows) sent as a fused Compare + Write pair, half of them with Compare data the blocks do not hold (both outcomes are checked). Default: the fault profile's draw (swarm), else 0.",
        RunRanges.CompareAndWriteFraction);

    private readonly Option<int?> _ioTimeoutMs = NumberOption.OptionalInt("--io-timeout-ms", "MS",
        "nvmf: the host's I/O command timeout; on expiry --timeout-action happens. Default: the fault profile's draw (swarm), else 5000.",
        RunRanges.IoTimeoutMs);

    private readonly Option<int?> _hostSrqSize = NumberOption.OptionalInt("--host-srq-size", "N",
        "nvmf: SPDK's rdma_srq_size on the host: each host poll group gets a shared receive queue of N response receives (raised to a qpair's entries), matched to qpairs by qp_num; 0: every qpair posts its own. Default: the fault profile's draw (swarm), else 0.",
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"0..{Transport.Host.HostOptions.RdmaSrqSizeMax}"));

    // Not a Choice: a value that is no profile's name is a fault plan file, read and checked before the run (FaultsValue).
    private readonly Option<string> _faults = new("--faults")
    {
        HelpName = "PROFILE|FILE",
        Description = "Fault profile: none, retry-exceeded, flush-storm, rnr, disconnects, swarm (the seed picks fault kinds, rates and a mix of the others), or nightly (only faults real hardware can be made to show; see docs/hardware.md). Or a fault plan file: JSON {\"faults\": [...], \"swarm\": {...}} in the scenario vocabulary, run as written (docs/scenarios.md, \"Fault plan files\"; a file named like a profile: ./NAME). The rdma workload takes none and swarm.",
        DefaultValueFactory = _ => FaultProfiles.None,
    };

    private readonly Option<string[]> _defect = Defects();
    private readonly Option<bool> _paranoid = new("--paranoid")
    {
        Description = "Walk all of the target's invariants after every poll of its reactors (slower; by default each poll is followed by the checks of what it changed: the qpairs, receive queues and buffer pools whose mutation counts moved). Same run, same trace hash.",
    };

    private readonly Option<string> _trace = new("--trace") { HelpName = "FILE", Description = "Write the trace as JSON lines to FILE." };
    private readonly Option<string> _pcap = new("--pcap")
    {
        HelpName = "FILE",
        Description = "Simulator: write the simulated fabric's traffic to FILE as a pcap of RoCEv2 frames (CM MADs with the NVMe-oF private data, every transmission and retransmission, ACKs/NAKs, READ responses; virtual timestamps) that Wireshark/tshark decode as NVMe-oF (docs/reproducing-field-bugs.md).",
    };

    private readonly Option<string> _junit = new("--junit") { HelpName = "FILE", Description = "Write a JUnit XML report of the run to FILE (hardware runs: fault actions as cases, NIC counter deltas as properties)." };

    private readonly Option<string> _device = new("--device") { HelpName = "NAME", Description = "ibverbs: the RDMA device (e.g. mlx5_0, rxe0) whose port carries --addr." };

    private readonly Option<string> _role = Choice("--role", "target|host|loopback", null, HardwareRoleNames.Names, "role",
        "ibverbs: target (serve hosts at --addr), host (run the verified workload against the target at --addr), or loopback (both in one process on one device).");

    private readonly Option<string> _addr = new("--addr") { HelpName = "IP:PORT", Description = "ibverbs: where the target listens and the host connects (an address of the device's port; NVMe-oF uses port 4420)." };
    private readonly Option<int?> _sessions = NumberOption.OptionalInt("--sessions", "N", "ibverbs target: end after N host sessions ended (default: run until SIGINT/SIGTERM or --duration).", RunRanges.Sessions);
    private readonly Option<double?> _duration = NumberOption.OptionalDouble("--duration", "SECONDS", "ibverbs target: end after this long at most.", RunRanges.Seconds);
    private readonly Option<double?> _watchdog = NumberOption.OptionalDouble("--watchdog", "SECONDS", "ibverbs: a run not finished after this long is reported as hung (exit 1, with the JUnit report) and the process exits.", RunRanges.Seconds);

    /// <summary>The <c>run</c> command, whose action runs <see cref="RunCommand.Execute"/>.</summary>
    public Command Build(TextWriter stdout, TextWriter stderr, RunProgressOptions progress)
    {
        var run = new Command("run", "Run a host+target workload with data verification; prints a summary ending with trace-hash.")
        {
            _backend, _workload, _seed, _ios, _qpairs, _qd, _ioSize, _rwMix, _srq, _provider, _inCapsuleSize, _iovecsMax, _timeoutAction, _compareAndWrite, _ioTimeoutMs, _hostSrqSize, _faults, _defect, _paranoid, _trace, _pcap, _junit,
            _device, _role, _addr, _sessions, _duration, _watchdog,
        };
        run.SetAction(parse => RunCommand.Execute(Read(parse), stdout, stderr, progress));
        return run;
    }

    private RunSettings Read(ParseResult parse) => new()
    {
        Backend = parse.GetValue(_backend)!,
        Workload = parse.GetValue(_workload)!,
        Seed = parse.GetValue(_seed),
        Ios = parse.GetValue(_ios),
        Qpairs = parse.GetValue(_qpairs),
        QueueDepth = parse.GetValue(_qd),
        IoSize = parse.GetValue(_ioSize),
        RwMix = parse.GetValue(_rwMix),
        Srq = parse.GetValue(_srq) is { } srq ? srq == "on" : null,
        Provider = parse.GetValue(_provider),
        InCapsuleSize = parse.GetValue(_inCapsuleSize),
        IovecsMax = parse.GetValue(_iovecsMax),
        TimeoutAction = parse.GetValue(_timeoutAction),
        CompareAndWriteFraction = parse.GetValue(_compareAndWrite),
        IoTimeoutMs = parse.GetValue(_ioTimeoutMs),
        HostSrqSize = parse.GetValue(_hostSrqSize),
        Faults = parse.GetValue(_faults)!,
        Defects = parse.GetValue(_defect) ?? Array.Empty<string>(),
        Paranoid = parse.GetValue(_paranoid),
        TracePath = parse.GetValue(_trace),
        PcapPath = parse.GetValue(_pcap),
        JunitPath = parse.GetValue(_junit),
        Device = parse.GetValue(_device),
        Role = parse.GetValue(_role),
        Address = parse.GetValue(_addr),
        Sessions = parse.GetValue(_sessions),
        DurationSeconds = parse.GetValue(_duration),
        WatchdogSeconds = parse.GetValue(_watchdog),
    };

    private static readonly string[] OnOff = ["on", "off"];

    private static readonly string[] Providers = ["mlx5", "rxe"];

    private static readonly string[] TimeoutActions = ["reset", "abort"];

    /// <summary>A string option that must be one of <paramref name="known"/> (the error names the option and the value).</summary>
    private static Option<string> Choice(string name, string helpName, string? defaultValue, IReadOnlyList<string> known, string what, string description)
    {
        var option = new Option<string>(name) { HelpName = helpName, Description = description };
        if (defaultValue != null)
        {
            option.DefaultValueFactory = _ => defaultValue;
        }

        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value != null && !known.Contains(value, StringComparer.Ordinal))
            {
                result.AddError($"{name} {value}: unknown {what} (known: {string.Join(", ", known)})");
            }
        });
        return option;
    }

    private static Option<string[]> Defects()
    {
        var defect = new Option<string[]>("--defect")
        {
            HelpName = "NAME",
            Description = $"Switch on a known defect (repeatable): {string.Join(", ", KnownDefectNames.All)}.",
        };
        defect.Validators.Add(result =>
        {
            foreach (var name in result.GetValueOrDefault<string[]>() ?? Array.Empty<string>())
            {
                if (!KnownDefectNames.TryParse(name, out _))
                {
                    result.AddError(KnownDefectNames.Unknown(name));
                }
            }
        });
        return defect;
    }
}
