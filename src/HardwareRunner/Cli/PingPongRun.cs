using System.Globalization;
using Harness.HardwareRunner.Backends;
using Harness.HardwareRunner.Workloads;
using Harness.Sim.Cm;
using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Sim.Tracing;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace Harness.HardwareRunner.Cli;

/// <summary><c>harness run --workload rdma</c>: the plain RDMA ping-pong workload (no NVMe-oF), with its own oracle.</summary>
internal static class PingPongRun
{
    public static int Execute(RunSettings settings, TextWriter stdout, TextWriter stderr, RunProgressOptions progress)
    {
        var options = new WorkloadOptions
        {
            Ios = settings.Ios,
            Qpairs = settings.Qpairs,
            QueueDepth = settings.QueueDepth,
            IoSize = settings.IoSize,
            TargetAddress = SimBackend.TargetAddress,
        };
        var invalid = options.Validate();
        if (invalid != null)
        {
            return RunCommand.Usage(stderr, invalid);
        }

        if (settings.FaultPlan != null)
        {
            return RunCommand.Usage(stderr, $"--faults {settings.Faults}: the rdma workload does not take a fault plan file, only {string.Join(" or ", FaultProfiles.PingPongNames)} (a plan's QP numbers and WR kinds are the NVMe-oF transport's: --workload nvmf)");
        }

        if (!FaultProfiles.PingPongNames.Contains(settings.Faults, StringComparer.Ordinal))
        {
            return RunCommand.Usage(stderr, $"--faults {settings.Faults}: the rdma workload takes only {string.Join(" or ", FaultProfiles.PingPongNames)} (the others drive the NVMe-oF transport: --workload nvmf)");
        }

        var plan = FaultPlan.None;
        if (settings.Faults == FaultProfiles.Swarm)
        {
            // The same draw SimFabric's world would make: the swarm stream depends only on the seed. Without post errors:
            // this workload keeps its own send-queue accounting and reports any ENOMEM as that accounting being off; without the
            // kinds drawn later (SRQ, provider, timed faults, stale-connection rejects): it has no reconnect to survive them.
            var swarm = SwarmProfile.Draw(new RandomStreams(settings.Seed)).WithoutReachFaults() with { PostErrorRate = 0 };
            plan = new FaultPlan(Array.Empty<ScriptedFault>(), swarm);
            stdout.WriteLine(swarm.Describe());
        }

        if (!RunCommand.TryOpenTrace(settings, stderr, out var trace))
        {
            return HarnessProgram.ExitUsage;
        }

        int exit;
        using (var backend = new SimBackend(new SimOptions { Seed = settings.Seed, Faults = plan }, trace?.Trace))
        {
            var capture = RunOutputs.AttachCapture(settings, backend.Fabric);
            exit = Run(settings, options, backend, stdout, stderr, progress);
            exit = RunOutputs.WritePcap(settings, capture, exit, stdout, stderr);
        }

        return RunOutputs.CloseTrace(trace, exit, stderr);
    }

    private static int Run(RunSettings settings, WorkloadOptions options, SimBackend backend, TextWriter stdout, TextWriter stderr, RunProgressOptions progress)
    {
        var fabric = backend.Fabric;
        fabric.World.Record(new TraceRecord
        {
            Kind = TraceKind.Note,
            Node = "harness",
            Text = string.Create(CultureInfo.InvariantCulture,
                $"workload ping-pong ios={options.Ios} qpairs={options.Qpairs} qd={options.QueueDepth} io-size={options.IoSize} faults={settings.Faults}"),
        });
        var random = new SimWorkloadRandom(fabric.World.Random.Stream(StreamNames.Workload));
        var workload = new PingPongWorkload(options, backend.Target, backend.Host, backend.Reactors, random);
        WorkloadViolation? violation;
        var wall = Stopwatch.StartNew();
        try
        {
            workload.Start();
            RunOutcome outcome;
            using (RunProgress.Start(progress, stderr, () => workload.Stats.Done, workload.Stats.Ios))
            {
                outcome = RunCommand.Run(fabric, () => workload.Finished, null);
            }

            violation = workload.Violation;
            if (violation == null && !workload.Finished)
            {
                violation = new WorkloadViolation(WorkloadMonitor.NoProgress, outcome == RunOutcome.Quiescent
                    ? $"nothing is left to happen but the workload is not finished ({workload.DescribeState()})"
                    : $"not finished after {RunCommand.VirtualTimeLimitNs / 1e9:0} s of virtual time ({workload.DescribeState()})");
            }
        }
        catch (SimulatedHangException e)
        {
            violation = new WorkloadViolation("hang", e.Message);
        }
        catch (Exception e)
        {
            // A crash inside the simulation or the workload is a finding too: report it with the command that replays it.
            violation = new WorkloadViolation("crash", e.ToString());
        }

        wall.Stop();
        workload.Stop();
        if (violation == null && SimLeakCheck.Find(fabric) is { } leak)
        {
            violation = new WorkloadViolation(WorkloadMonitor.ResourceLeak, leak);
        }

        return RunSummary.Finish(settings, fabric, violation, stdout, stderr, o => PrintSummary(settings, workload.Stats, fabric, wall.Elapsed, o), wall.Elapsed);
    }

    private static void PrintSummary(RunSettings s, WorkloadStats stats, Sim.Fabric.SimFabric fabric, TimeSpan wall, TextWriter o)
    {
        var inv = CultureInfo.InvariantCulture;
        var events = fabric.World.EventsProcessed;
        o.WriteLine(string.Create(inv, $"harness run: seed {s.Seed}, backend {s.Backend}, workload {s.Workload}, qpairs {s.Qpairs}, qd {s.QueueDepth}, io-size {s.IoSize} B, faults {s.Faults}"));
        o.WriteLine(string.Create(inv,
            $"ios: {stats.Ios} requested, {stats.Completed} completed, {stats.Failed} failed ({stats.FailedInFlight} in flight when their qpair failed, {stats.NotIssued} not issued); {stats.Writes} writes, {stats.Reads} reads"));
        o.WriteLine(string.Create(inv, $"qpairs: {stats.QpairsConnected} connected, {stats.QpairsFailed} failed"));
        RunSummary.Reasons(stats.FailureReasons, o);
        o.WriteLine(string.Create(inv, $"verified: {stats.VerifiedBytes} bytes read back and compared, {stats.TargetCheckedBytes} bytes checked by the target"));
        o.WriteLine(string.Create(inv, $"cm events: {stats.CmEvents}, async events: {stats.AsyncEvents}"));
        o.WriteLine(string.Create(inv, $"virtual time: {fabric.World.NowNs / 1e6:0.000} ms, simulated events: {events}"));
        o.WriteLine(string.Create(inv, $"wall time: {wall.TotalSeconds:0.000} s, {events / Math.Max(wall.TotalSeconds, 1e-9):0} simulated events/s"));
        o.WriteLine(s.Defects.Count == 0 ? "defects: none" : $"defects: {string.Join(", ", s.Defects)} (accepted; no effect: the rdma workload runs no NVMe-oF transport)");
    }
}
