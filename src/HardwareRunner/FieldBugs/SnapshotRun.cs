using System.Globalization;
using Harness.HardwareRunner.Backends;
using Harness.HardwareRunner.Workloads;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Sim.Cm;
using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Sim.Oracle;
using Harness.Sim.Tracing;
using Harness.Transport.Invariants;
using Harness.Transport.Nvmf;
using Harness.Transport.Target;
using Harness.Transport.Target.Snapshot;

namespace Harness.HardwareRunner.FieldBugs;

/// <summary>
/// Runs the simulated target from a core-dump snapshot: the transport starts in the snapshot's state and the invariant
/// checker runs at once (an inconsistent core is reported before anything moves); then, as when the host is gone,
/// every restored qpair is disconnected and must drain and be destroyed, with the checker after every poll and the
/// leak checks at the end. The summary ends with <c>trace-hash</c>; the result is a <see cref="WorkloadViolation"/> or null.
/// </summary>
public sealed class SnapshotRun
{
    /// <summary>Virtual time the drain may take (restored connected QPs need their retries to run out first: about 0.6 s).</summary>
    public const long DrainTimeNsMax = 30_000_000_000;

    private readonly TargetSnapshot _snapshot;
    private readonly KnownDefects _defects;
    private readonly ulong _seed;
    private readonly FaultPlan _faults;

    public SnapshotRun(TargetSnapshot snapshot, KnownDefects defects, ulong seed = 1, FaultPlan? faults = null)
    {
        _snapshot = snapshot;
        _defects = defects;
        _seed = seed;
        _faults = faults ?? FaultPlan.None;
    }

    /// <summary>
    /// Runs; writes the summary to <paramref name="stdout"/>. Returns the violation, or null when everything drained
    /// cleanly. Throws <see cref="NotSupportedException"/> for snapshots the simulated target cannot hold (SRQ, several devices).
    /// </summary>
    public WorkloadViolation? Execute(Trace? trace, TextWriter stdout, out string traceHash)
    {
        using var backend = new SimBackend(DeviceFor(_snapshot) with { Seed = _seed, Faults = _faults }, trace);
        var world = backend.Fabric.World;
        var options = SnapshotOptions.For(_snapshot, _defects);
        var controller = new NvmfTarget(NvmfTargetOptions.ForTransport(options), backend.Target.Clock);
        var observer = new TargetObserver(line => world.Record(new TraceRecord { Kind = TraceKind.Note, Node = SimBackend.TargetName, Op = "log", Text = line }));
        var transport = new NvmfRdmaTransport(backend.Target, options, controller, observer);
        world.Record(new TraceRecord { Kind = TraceKind.Note, Node = "harness", Text = $"snapshot {_snapshot.Source?.Core ?? "?"} of {_snapshot.Source?.Binary ?? "?"}" });
        var violation = Drive(backend, transport);
        foreach (var note in transport.RestoreNotes)
        {
            stdout.WriteLine("  restore note: " + note);
        }

        var restored = transport.Qpairs.Where(q => q.Restored).ToList();
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"target: {restored.Count} qpair(s) restored, {restored.Count(q => q.Destroyed)} drained and destroyed; log: {observer.Lines} lines, {transport.Log.Errors} errors"));
        foreach (var line in observer.FirstErrors)
        {
            stdout.WriteLine("  " + line);
        }

        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"virtual time: {world.NowNs / 1e6:0.000} ms, simulated events: {world.EventsProcessed}"));
        if (violation != null)
        {
            world.Record(new TraceRecord { Kind = TraceKind.Violation, Node = "harness", Op = violation.Invariant, Text = violation.Detail.Split('\n', 2)[0] });
        }

        traceHash = backend.Fabric.Trace.HashHex;
        return violation;
    }

    /// <summary>The simulated NIC of the snapshot's target: its QPs' read depths are what the field's NIC allowed.</summary>
    private static SimOptions DeviceFor(TargetSnapshot s)
    {
        var device = new SimOptions();
        var reads = s.PollGroups.SelectMany(g => g.Pollers).SelectMany(p => p.Qpairs).Select(q => q.MaxReadDepth).DefaultIfEmpty(0).Max();
        return device with { MaxQpRdAtom = Math.Max(device.MaxQpRdAtom, reads) };
    }

    private WorkloadViolation? Drive(SimBackend backend, NvmfRdmaTransport transport)
    {
        try
        {
            var liveness = new DrainLiveness(transport);
            var oracle = new TargetOracle(transport, everyPoll: true, liveness.Check); // a field crash's state: every poll walked
            transport.StartFromSnapshot(new TargetReactorRuntime(backend.Reactors, oracle.AfterPoll), SimBackend.TargetAddress, _snapshot);
            transport.DisconnectRestored();
            var outcome = backend.Fabric.Run(DrainTimeNsMax, () => transport.Qpairs.All(q => !q.Restored || q.Destroyed));
            var left = transport.Qpairs.Where(q => q.Restored && !q.Destroyed).ToList();
            if (left.Count > 0)
            {
                return new WorkloadViolation(WorkloadMonitor.NoProgress, string.Create(CultureInfo.InvariantCulture,
                    $"{left.Count} restored qpair(s) did not drain ({outcome}): {string.Join(", ", left.Select(q => $"{q} send depth {q.CurrentSendDepth}, recv depth {q.CurrentRecvDepth}/{q.MaxQueueDepth}, executing {q.Executing}"))}"));
            }

            return Released(transport);
        }
        catch (InvariantViolationException e)
        {
            return new WorkloadViolation(e.Invariant, e.Detail);
        }
        catch (SimulatedHangException e)
        {
            return new WorkloadViolation("hang", e.Message);
        }
    }

    private static WorkloadViolation? Released(NvmfRdmaTransport transport)
    {
        var buffers = transport.Buffers!;
        if (buffers.Available != buffers.Count)
        {
            return new WorkloadViolation(WorkloadMonitor.ResourceLeak, $"target: {buffers.Count - buffers.Available} of {buffers.Count} data buffers not returned after every restored qpair was destroyed");
        }

        var wrs = transport.DataWrs;
        return wrs.Available != wrs.Capacity
            ? new WorkloadViolation(WorkloadMonitor.ResourceLeak, $"target: {wrs.Capacity - wrs.Available} of {wrs.Capacity} data WRs not returned after every restored qpair was destroyed")
            : null;
    }
}
