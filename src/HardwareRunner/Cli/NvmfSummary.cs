using System.Globalization;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Sim.Fabric;
using Harness.Transport.Target;

namespace Harness.HardwareRunner.Cli;

/// <summary>The summary of an NVMe-oF run (everything before the result line and the trace hash).</summary>
internal static class NvmfSummary
{
    public static void Print(RunSettings s, NvmfWorkload w, SimFabric fabric, TimeSpan wall, SteadyStateMeter meter, RunPhases phases, TextWriter o)
    {
        var inv = CultureInfo.InvariantCulture;
        var stats = w.Stats;
        var host = w.Driver.Counters;
        o.WriteLine(string.Create(inv, $"harness run: seed {s.Seed}, backend {s.Backend}, workload {s.Workload}, qpairs {s.Qpairs}, qd {s.QueueDepth}, io-size {s.IoSize} B, rw-mix {s.RwMix:0.###}, faults {s.Faults}"));
        o.WriteLine(string.Create(inv, $"topology: srq {(w.Options.TargetSrq ? "on" : "off")}, provider {Sim.Scenarios.ScenarioNames.FormatProvider(fabric.Options.Provider)}, in-capsule-size {w.Options.InCapsuleDataSize} B{(w.Options.IovecsMax > 1 ? ", iovecs-max " + w.Options.IovecsMax.ToString(inv) : string.Empty)}{(w.Options.HostTimeoutAction == Transport.Host.NvmeTimeoutAction.Abort ? ", timeout-action abort" : string.Empty)}{(w.Options.HostIoTimeoutNs != NvmfWorkloadOptions.IoTimeoutNsDefault ? ", io-timeout " + (w.Options.HostIoTimeoutNs / 1_000_000).ToString(inv) + " ms" : string.Empty)}{(w.Options.CompareAndWriteFraction > 0 ? ", compare-and-write " + w.Options.CompareAndWriteFraction.ToString("0.###", inv) : string.Empty)}{(w.Options.HostRdmaSrqSize != 0 ? ", host-srq-size " + w.Options.HostRdmaSrqSizeEffective.ToString(inv) : string.Empty)}"));
        o.WriteLine(string.Create(inv,
            $"ios: {stats.Ios} requested, {stats.Completed} completed, {stats.Failed} failed ({stats.FailedInFlight} aborted by a qpair disconnect, {stats.FailedStatus} with an NVMe error status, {stats.NotIssued} not issued); {stats.Writes} writes, {stats.Reads} reads{(stats.CompareAndWrites > 0 ? $" ({stats.CompareAndWrites} writes as compare-and-write, {stats.CompareMismatches} of them mismatching)" : string.Empty)}"));
        o.WriteLine(string.Create(inv, $"qpairs: {host.QpairsConnected} connected, {host.QpairsFailed} failed; {host.Reconnects} reconnects, {host.ControllerResets} controller resets, {host.CmEventTimeouts} CM event timeouts"));
        RunSummary.Reasons(host.FailureReasons, o);
        if (stats.FailedStatuses.Count > 0)
        {
            o.WriteLine("failed with: " + string.Join(", ", stats.FailedStatuses.Select(p => string.Create(inv, $"{p.Key} ×{p.Value}"))));
        }

        o.WriteLine(string.Create(inv, $"verified: {stats.VerifiedBytes} bytes read back and compared with the model, {stats.UnverifiableBlocks} blocks unverifiable (two failed writes in a row)"));
        var target = w.Transport;
        o.WriteLine(string.Create(inv,
 $"target: {w.Controller.CommandsExecuted} commands executed ({w.Controller.CommandsFailed} with an error status, {w.Controller.CompletionsDelayed} completed late by the block device), {target.Qpairs.Count} qpairs created, {target.Qpairs.Count(q => q.Destroyed)} destroyed; log: {w.TargetLog.Lines} lines, {target.Log.Errors} errors, {target.Log.Warnings} warnings"));
        foreach (var line in w.TargetLog.FirstErrors)
        {
            o.WriteLine("  " + line);
        }

        o.WriteLine(string.Create(inv, $"cm events: {host.CmEvents} (host), async events: {host.AsyncEvents} (host)"));
        var events = fabric.World.EventsProcessed;
        var seconds = Math.Max(wall.TotalSeconds, 1e-9);
        o.WriteLine(string.Create(inv, $"virtual time: {fabric.World.NowNs / 1e6:0.000} ms, simulated events: {events}"));
        o.WriteLine(string.Create(inv, $"wall time: {wall.TotalSeconds:0.000} s, {events / seconds:0} simulated events/s"));
        o.WriteLine(meter.Measured
            ? string.Create(inv, $"performance: {stats.Completed / seconds:0} I/Os per second of wall time; steady state ({meter.Ios} I/Os): {meter.IosPerSecond:0} I/Os/s, {meter.BytesPerIo:0.0} allocated bytes per I/O, {meter.EventsPerSecond:0} events/s")
            : string.Create(inv, $"performance: {stats.Completed / seconds:0} I/Os per second of wall time (too few I/Os for a steady-state window)"));
        phases.Enter(RunPhase.Release, PhaseCost.Now(fabric)); // ends the check phase (the leak check and this summary)
        o.WriteLine(phases.Line());
        o.WriteLine(Defects(s.Defects));
    }

    private static string Defects(IReadOnlyList<string> defects)
    {
        if (defects.Count == 0)
        {
            return "defects: none";
        }

        var parts = defects.Select(d => KnownDefectNames.TryParse(d, out var flag) && (flag & KnownDefectNames.HostDefects) != 0
            ? $"{d} (host transport: on)"
            : $"{d} (target transport: on)");
        return "defects: " + string.Join(", ", parts);
    }
}
