using System.Globalization;
using Harness.HardwareRunner.Backends;
using Harness.HardwareRunner.Workloads;
using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Sim.Cm;
using Harness.Sim.Coverage;
using Harness.Sim.Faults;
using Harness.Sim.Core;
using Harness.Sim.Tracing;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Target;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness run</c> with the NVMe-oF workload: the fault profile's line first, then the target transport and the
/// host driver on the simulated fabric, the target's invariants checked after every poll of its reactors, the summary
/// (with the steady-state throughput and allocation figures) and the verdict.
/// </summary>
internal static class NvmfRun
{
    /// <summary>Random stream of the simulated preemptions of the host's threads (its own, so it reshuffles nothing else).</summary>
    public const string PreemptionStream = "host.preemption";

    /// <summary>
    /// Chance that the admin thread runs at one of the host transport's preemption points: on hardware it runs on
    /// another core at any moment; a cooperative simulation lets it in exactly where a race can matter.
    /// </summary>
    public const double AdminPreemptionProbability = 0.5;

    public static int Execute(RunSettings settings, TextWriter stdout, TextWriter stderr, RunProgressOptions progress)
    {
        var phases = new RunPhases();
        phases.Begin(PhaseCost.Now(null));
        if (KnownDefectNames.ParseAll(settings.Defects, out var defects) is { } unknown)
        {
            return RunCommand.Usage(stderr, unknown);
        }

        // The options first: the fault profile draws qpair numbers and WR counts from them (--qpairs -3 must be a usage
        // error, not an exception in the draw); then again with what the profile changed.
        if (settings.WorkloadOptions(defects).Validate() is { } bad)
        {
            return RunCommand.Usage(stderr, bad);
        }

        var setup = settings.FaultSetup();
        var options = settings.Topology(setup.Apply(settings.WorkloadOptions(defects) with { TargetAddress = SimBackend.TargetAddress }));
        var invalid = options.Validate();
        if (invalid != null)
        {
            return RunCommand.Usage(stderr, invalid);
        }

        stdout.WriteLine(setup.Description);
        if (!RunCommand.TryOpenTrace(settings, stderr, out var trace))
        {
            return HarnessProgram.ExitUsage;
        }

        int exit;
        var backend = new SimBackend(new SimOptions { Seed = settings.Seed, Faults = setup.Plan, Provider = settings.ProviderOr(setup.Provider) }, trace?.Trace);
        try
        {
            var capture = RunOutputs.AttachCapture(settings, backend.Fabric);
            exit = Run(settings, options, backend, phases, stdout, stderr, progress);
            exit = RunOutputs.WritePcap(settings, capture, exit, stdout, stderr);
        }
        finally
        {
            backend.Dispose();
        }

        if (phases.Current == RunPhase.Release)
        {
            phases.End(PhaseCost.Now(backend.Fabric)); // the world's memory back in the pool: after the summary, so only a sweep shows it
            settings.Phases?.Add(phases);
        }

        return RunOutputs.CloseTrace(trace, exit, stderr);
    }

    /// <summary>
    /// The NVMe-oF workload of a run on <paramref name="backend"/>, as <c>harness run</c> builds it: the note that opens
    /// the trace, the workload's draws, the host's simulated admin-thread preemptions (their own stream), both sides' log
    /// lines in the trace. A scenario's random workload is built here too, so that a run in scenario form replays the
    /// run itself (same events, same trace hash). <paramref name="coverage"/>, if given, counts what both transports and
    /// the fault injector reach (it observes only: the run and its trace hash are the same with or without it).
    /// </summary>
    public static NvmfWorkload CreateWorkload(NvmfWorkloadOptions options, string faults, SimBackend backend, CoverageMap? coverage = null)
    {
        var world = backend.Fabric.World;
        world.Record(new TraceRecord
        {
            Kind = TraceKind.Note,
            Node = "harness",
            Text = string.Create(CultureInfo.InvariantCulture,
                $"workload nvmf ios={options.Ios} qpairs={options.Qpairs} qd={options.QueueDepth} io-size={options.IoSize} rw-mix={options.ReadFraction:R} faults={faults}"),
        });
        var random = new SimWorkloadRandom(world.Random);
        var preemption = world.Random.Stream(PreemptionStream);
        coverage?.Attach(backend.Fabric);
        var workload = new NvmfWorkload(options, backend.Target, backend.Host, backend.Reactors, random,
            line => world.Record(new TraceRecord { Kind = TraceKind.Note, Node = SimBackend.TargetName, Op = "log", Text = line }),
            (o, sink) => new NvmeRdmaHostDriver(backend.Host, o with
            {
                PreemptAdmin = () => preemption.Chance(AdminPreemptionProbability),
                Log = line => world.Record(new TraceRecord { Kind = TraceKind.Note, Node = SimBackend.HostName, Op = "log", Text = line }),
                Observer = coverage?.Host,
            }, sink),
            coverage?.Target);
        ControllerFaultInjector? device = null;
        if (ControllerFaultInjector.Applies(backend.Fabric.Faults.Plan))
        {
            // The block device below the controller is a fault site of its own: media errors and late completions.
            device = new ControllerFaultInjector(world, backend.Fabric.Faults, SimBackend.TargetName);
            workload.Controller.IoFaults = device;
        }

        workload.ErrorsExplained = status => ExplainedErrors(status, device, backend.Fabric.Faults);

        return workload;
    }

    /// <summary>
    /// How many completions with <paramref name="status"/> the injected faults can explain (the unexplained-status
    /// oracle's allowance): those the block device was made to fail with it, and for INTERNAL DEVICE ERROR one per target
    /// send WR whose post failed (rdma.c:<c>_qp_reset_failed_sends</c> completes a request whose RDMA READ was not posted
    /// with it).
    /// </summary>
    private static long ExplainedErrors(NvmeStatus status, ControllerFaultInjector? device, FaultInjector faults) =>
        (device?.Injected(status) ?? 0)
        + (status.HasSameCode(NvmeStatus.InternalDeviceError) ? faults.FailedSendWrs(SimBackend.TargetName) : 0);

    private static int Run(RunSettings settings, NvmfWorkloadOptions options, SimBackend backend, RunPhases phases, TextWriter stdout, TextWriter stderr,
        RunProgressOptions progress)
    {
        var fabric = backend.Fabric;
        // A plan file draws nothing from the seed: the trace names no profile (nor the file's path), so the run is the
        // scenario {"random": …, "faults": [the plan]} event for event, and a copy of the file replays with the same hash.
        var workload = CreateWorkload(options, settings.FaultPlan == null ? settings.Faults : FaultProfiles.None, backend, settings.Coverage);
        var meter = new SteadyStateMeter(options.Ios);
        var stats = workload.Stats;
        var wall = Stopwatch.StartNew();
        var violation = RunToEnd(workload, fabric, meter, phases, progress, stderr, out var baseline);
        wall.Stop();
        phases.Enter(RunPhase.Check, PhaseCost.Now(fabric));
        workload.Stop();
        if (violation == null && SimLeakCheck.Find(fabric, baseline) is { } leak)
        {
            violation = new WorkloadViolation(WorkloadMonitor.ResourceLeak, leak);
        }

        return RunSummary.Finish(settings, fabric, violation, stdout, stderr, o => NvmfSummary.Print(settings, workload, fabric, wall.Elapsed, meter, phases, o), wall.Elapsed,
            NeverFired(settings, fabric));
    }

    /// <summary>
    /// <c>FILE:LINE: warning: faults[I] (WHAT) never fired</c> for each scripted fault of the plan file that did nothing (a
    /// WR, event or QP it selects never came): it tested nothing, whatever the verdict. None for a profile, whose draws are
    /// the harness's, not the user's.
    /// </summary>
    private static IReadOnlyList<string> NeverFired(RunSettings settings, Sim.Fabric.SimFabric fabric) =>
        settings.FaultPlan is { } plan ? fabric.Faults.NeverFired().Select(plan.NeverFiredWarning).ToArray() : [];

    /// <summary>
    /// What a hang means for the workload. What the field sees: the controller delete never completes ("NVMe path …
    /// still exists after delete").
    /// </summary>
    public static string HangDetail(SimulatedHangException e, NvmfWorkload workload) =>
        $"{e.Message}; the thread that called it never returns, so the host's teardown cannot finish ({workload.Driver.Describe()})";

    /// <summary>Between two events: the first I/O done ends the connect phase, the last one the I/O phase (both at once for one I/O).</summary>
    private static void ObservePhase(RunPhases phases, WorkloadStats stats, Sim.Fabric.SimFabric fabric)
    {
        if (phases.Current == RunPhase.Connect && stats.Done > 0)
        {
            phases.Enter(RunPhase.Io, PhaseCost.Now(fabric));
        }

        if (phases.Current == RunPhase.Io && stats.Done >= stats.Ios)
        {
            phases.Enter(RunPhase.Teardown, PhaseCost.Now(fabric));
        }
    }

    /// <summary>Runs until the workload finished or something broke; an exception from the target's checks is the verdict.</summary>
    private static WorkloadViolation? RunToEnd(NvmfWorkload workload, Sim.Fabric.SimFabric fabric, SteadyStateMeter meter, RunPhases phases, RunProgressOptions progress,
        TextWriter stderr, out Dictionary<string, SimResources> baseline)
    {
        baseline = new Dictionary<string, SimResources>();
        var stats = workload.Stats;
        try
        {
            workload.Start();
            baseline = SimLeakCheck.Snapshot(fabric, SimBackend.TargetName); // the listener and buffer pool live as long as the target
            phases.Enter(RunPhase.Connect, PhaseCost.Now(fabric));
            RunOutcome outcome;
            using (RunProgress.Start(progress, stderr, () => stats.Done, stats.Ios))
            {
                outcome = RunCommand.Run(fabric, () => workload.Finished, () =>
                {
                    meter.Observe(stats.Done, fabric.World.EventsProcessed);
                    ObservePhase(phases, stats, fabric);
                });
            }

            if (workload.Violation == null)
            {
                workload.Target?.Oracle?.Walk(); // the state the last polls left, idle ones included
            }

            if (workload.Violation != null || workload.Finished)
            {
                return workload.Violation;
            }

            return new WorkloadViolation(WorkloadMonitor.NoProgress, outcome == RunOutcome.Quiescent
                ? $"nothing is left to happen but the workload is not finished ({workload.DescribeState()})"
                : $"not finished after {RunCommand.VirtualTimeLimitNs / 1e9:0} s of virtual time ({workload.DescribeState()})");
        }
        catch (InvariantViolationException e)
        {
            return new WorkloadViolation(e.Invariant, e.Detail);
        }
        catch (SimulatedHangException e)
        {
            return new WorkloadViolation("hang", HangDetail(e, workload));
        }
        catch (Exception e)
        {
            // A crash inside the simulation, the transport or the workload is a finding too: report it with the command that replays it.
            return new WorkloadViolation("crash", e.ToString());
        }
    }
}
