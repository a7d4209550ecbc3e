using System.Globalization;
using Harness.HardwareRunner.Workloads;
using Harness.Sim.Fabric;
using Harness.Sim.Tracing;

namespace Harness.HardwareRunner.Cli;

/// <summary>The end of every <c>harness run</c>: the violation in the trace, the summary, the verdict, the trace hash, the exit code.</summary>
internal static class RunSummary
{
    /// <summary>
    /// Records <paramref name="violation"/> (if any) in the trace, prints the workload's <paramref name="body"/>, the
    /// <paramref name="warnings"/>, the result line and <c>trace-hash</c> (always last); says each warning on stderr too
    /// (a CI log shows stderr); on a violation, names it on stderr with the replay command; then writes the JUnit report
    /// (exit 2 when it cannot be written). A warning does not change the exit code.
    /// </summary>
    public static int Finish(RunSettings settings, SimFabric fabric, WorkloadViolation? violation, TextWriter stdout, TextWriter stderr, Action<TextWriter> body, TimeSpan wall,
        IReadOnlyList<string>? warnings = null)
    {
        warnings ??= [];
        if (violation != null)
        {
            var firstLine = violation.Detail.Split('\n', 2)[0];
            fabric.World.Record(new TraceRecord { Kind = TraceKind.Violation, Node = "harness", Op = violation.Invariant, Text = firstLine });
        }

        var summary = new StringWriter(CultureInfo.InvariantCulture);
        body(summary);
        foreach (var warning in warnings)
        {
            summary.WriteLine(warning);
        }

        summary.WriteLine(violation == null ? "result: ok, no invariant broken" : $"result: INVARIANT BROKEN: {violation.Invariant}");
        summary.WriteLine($"trace-hash: {fabric.Trace.HashHex}");
        stdout.Write(summary.ToString());
        foreach (var warning in warnings)
        {
            stderr.WriteLine($"harness run: {warning}");
        }

        if (violation != null)
        {
            stderr.WriteLine($"invariant broken: {violation}");
            stderr.WriteLine($"replay: {settings.ReplayCommand()}");
        }

        // Last, so that a report that cannot be written loses nothing of what the run said.
        var written = RunOutputs.WriteJunit(settings, () => RunJUnit.ForSimulation(settings, violation, summary.ToString(), fabric.Trace.HashHex, wall), stderr);
        return !written ? HarnessProgram.ExitUsage : violation == null ? HarnessProgram.ExitOk : HarnessProgram.ExitInvariantBroken;
    }

    /// <summary>Prints up to <see cref="RunCommand.FailureReasonsShownMax"/> reasons, indented.</summary>
    public static void Reasons(IReadOnlyList<string> reasons, TextWriter o)
    {
        for (var i = 0; i < Math.Min(reasons.Count, RunCommand.FailureReasonsShownMax); i++)
        {
            o.WriteLine("  " + reasons[i]);
        }

        if (reasons.Count > RunCommand.FailureReasonsShownMax)
        {
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  … and {reasons.Count - RunCommand.FailureReasonsShownMax} more"));
        }
    }
}
