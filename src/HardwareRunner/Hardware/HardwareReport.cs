using System.Globalization;
using Harness.HardwareRunner.Cli;
using Harness.HardwareRunner.Reports;
using Harness.Transport.Nvmf;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// The end of a hardware run: the summary (the simulated run's lines where they exist — ios, qpairs, verified, target —
/// then sessions, every fault action, the NIC counter deltas with error counters first, wall time, defects, the verdict
/// and <c>trace-hash</c> last) and its JUnit report: the run as one case, each fault action of this process as a case of
/// its own (passed: made and answered 0; error: the call failed; skipped: never made, with why), the settings and the
/// counter deltas as properties.
/// </summary>
public static class HardwareReport
{
    /// <summary>The summary text (ends with the result line and <c>trace-hash</c>).</summary>
    public static string Summary(RunSettings s, HardwareRunOptions o, HardwareOutcome outcome, IReadOnlyList<NicPortDelta> counters, string traceHash)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(outcome);
        var inv = CultureInfo.InvariantCulture;
        var w = new StringWriter(inv);
        w.WriteLine(string.Create(inv,
            $"harness run: seed {s.Seed}, backend ibverbs, role {o.Role.ToName()}, device {s.Device ?? "(any)"}, addr {o.Workload.TargetAddress}, workload nvmf, qpairs {s.Qpairs}, qd {s.QueueDepth}, io-size {s.IoSize} B, rw-mix {s.RwMix:0.###}, faults {s.Faults}"));
        HostLines(outcome, w);
        TargetLines(o, outcome, w);
        var made = outcome.Injected.Count(a => a.Injected);
        w.WriteLine(string.Create(inv, $"fault actions: {PlannedHere(o)} planned on this process's side(s); {made} calls made, {outcome.Injected.Count(a => a.Injected && a.Rc != 0)} of them failed; {outcome.Injected.Count(a => !a.Injected)} actions not made"));
        foreach (var a in outcome.Injected)
        {
            w.WriteLine("  " + a);
        }

        foreach (var line in NicCounterReport.Format(counters))
        {
            w.WriteLine(line);
        }

        var ios = outcome.Workload?.Stats.Completed ?? 0;
        var seconds = Math.Max(outcome.Wall.TotalSeconds, 1e-9);
        w.WriteLine(outcome.Workload == null
            ? string.Create(inv, $"wall time: {outcome.Wall.TotalSeconds:0.000} s")
            : string.Create(inv, $"wall time: {outcome.Wall.TotalSeconds:0.000} s, {ios / seconds:0} I/Os per second"));
        w.WriteLine(s.Defects.Count == 0 ? "defects: none" : "defects: " + string.Join(", ", s.Defects));
        var v = outcome.Violation;
        w.WriteLine(v == null ? "result: ok, no invariant broken" : $"result: INVARIANT BROKEN: {v.Invariant}");
        w.WriteLine($"trace-hash: {traceHash}");
        return w.ToString();
    }

    /// <summary>The JUnit report of the run.</summary>
    public static JUnitReport JUnit(RunSettings s, HardwareRunOptions o, HardwareOutcome outcome, IReadOnlyList<NicPortDelta> counters, string summary, string traceHash)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(outcome);
        var suite = new JUnitSuite($"harness.run.ibverbs.{o.Role.ToName()}");
        suite.Properties.AddRange(RunJUnit.CommonProperties(s));
        suite.Properties.Add(new("role", o.Role.ToName()));
        suite.Properties.Add(new("device", s.Device ?? "(any)"));
        suite.Properties.Add(new("addr", o.Workload.TargetAddress.ToString()));
        suite.Properties.Add(new("trace-hash", traceHash));
        suite.Properties.AddRange(NicCounterReport.Properties(counters));
        suite.Cases.Add(RunJUnit.Case(s, suite.Name, string.Create(CultureInfo.InvariantCulture, $"nvmf {o.Role.ToName()} seed {s.Seed} faults {s.Faults}"),
            outcome.Violation, summary, outcome.Wall));
        var n = 0;
        foreach (var a in outcome.Injected)
        {
            suite.Cases.Add(FaultCase(suite.Name, ++n, a));
        }

        var report = new JUnitReport("harness run");
        report.Suites.Add(suite);
        return report;
    }

    /// <summary>Actions of the plan this process executes (its role's sides).</summary>
    public static int PlannedHere(HardwareRunOptions o) =>
        (o.Role.RunsHost() ? o.Faults.For(HardwareSide.Host).Count : 0) + (o.Role.RunsTarget() ? o.Faults.For(HardwareSide.Target).Count : 0);

    private static JUnitCase FaultCase(string className, int n, InjectedAction a) => new()
    {
        ClassName = className + ".faults",
        Name = string.Create(CultureInfo.InvariantCulture, $"fault {n}: {a.Action.Describe()}"),
        Outcome = !a.Injected ? JUnitOutcome.Skipped : a.Rc == 0 ? JUnitOutcome.Passed : JUnitOutcome.Error,
        FailureType = a.Injected && a.Rc != 0 ? "fault-action-failed" : null,
        Message = !a.Injected ? a.Call : a.Rc == 0 ? null : $"{a.Call} on {a.On} failed: {Transport.Verbs.Errno.Name(a.Rc)}",
        SystemOut = a.ToString(),
    };

    private static void HostLines(HardwareOutcome outcome, StringWriter w)
    {
        if (outcome.Workload is not { } wl)
        {
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        var stats = wl.Stats;
        var host = wl.Driver.Counters;
        w.WriteLine(string.Create(inv,
            $"ios: {stats.Ios} requested, {stats.Completed} completed, {stats.Failed} failed ({stats.FailedInFlight} aborted by a qpair disconnect, {stats.FailedStatus} with an NVMe error status, {stats.NotIssued} not issued); {stats.Writes} writes, {stats.Reads} reads"));
        w.WriteLine(string.Create(inv, $"qpairs: {host.QpairsConnected} connected, {host.QpairsFailed} failed; {host.Reconnects} reconnects, {host.ControllerResets} controller resets, {host.CmEventTimeouts} CM event timeouts"));
        RunSummary.Reasons(host.FailureReasons, w);
        w.WriteLine(string.Create(inv, $"verified: {stats.VerifiedBytes} bytes read back and compared with the model, {stats.UnverifiableBlocks} blocks unverifiable (two failed writes in a row)"));
    }

    private static void TargetLines(HardwareRunOptions o, HardwareOutcome outcome, StringWriter w)
    {
        if (outcome.Target is not { } t)
        {
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        var transport = t.Transport;
        w.WriteLine(string.Create(inv,
            $"target: {t.Controller.CommandsExecuted} commands executed ({t.Controller.CommandsFailed} with an error status), {transport.Qpairs.Count} qpairs created, {transport.Qpairs.Count(q => q.Destroyed)} destroyed; log: {t.Observer.Lines} lines, {transport.Log.Errors} errors, {transport.Log.Warnings} warnings; subsystem {NvmfTargetOptions.DefaultSubNqn} at {o.Workload.TargetAddress}"));
        foreach (var line in t.Observer.FirstErrors)
        {
            w.WriteLine("  " + line);
        }

        if (o.Role == HardwareRole.Target)
        {
            w.WriteLine(string.Create(inv, $"sessions: {outcome.SessionsEnded} host session(s) ended; the run ended because: {outcome.EndedBy ?? "(unknown)"}"));
        }
    }
}
