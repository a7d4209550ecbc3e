using Harness.HardwareRunner.Reports;
using Harness.Sim.Fabric;
using Harness.Sim.Wire;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// The files <c>harness run</c> writes (<c>--junit</c>, <c>--trace</c>), on every backend and workload: checked before
/// the run (<see cref="OutputPath"/>: a bad path is a usage error and nothing runs), written after its summary is on
/// the screen, whole or not at all; a write that still fails is an error naming the option and the path (exit 2).
/// </summary>
internal static class RunOutputs
{
    /// <summary>Null when every output of <paramref name="s"/> can be written, else the usage error naming the first that cannot.</summary>
    public static string? Problem(RunSettings s) =>
        OutputPath.Problem(s.JunitPath, "--junit", "the report") ?? OutputPath.Problem(s.PcapPath, "--pcap", "the capture") ??
        OutputPath.InPlaceProblem(s.TracePath, "--trace", "the trace"); // the trace streams: TraceFile

    /// <summary>A capture for the fabric when <c>--pcap</c> asks for one (attached before anything connects), else null.</summary>
    public static WireCapture? AttachCapture(RunSettings s, SimFabric fabric)
    {
        if (s.PcapPath == null)
        {
            return null;
        }

        fabric.Capture = new WireCapture();
        return fabric.Capture;
    }

    /// <summary>
    /// Writes the capture of <c>--pcap</c> (if any) after the run: <paramref name="exit"/>, or 2 with the error said when
    /// it could not be written. Says on <paramref name="stdout"/> how many frames it holds.
    /// </summary>
    public static int WritePcap(RunSettings s, WireCapture? capture, int exit, TextWriter stdout, TextWriter stderr)
    {
        if (s.PcapPath is not { } path || capture == null)
        {
            return exit;
        }

        var problem = OutputPath.WriteProblem(path, "--pcap", "the capture", () => capture.Save(path));
        if (problem != null)
        {
            stderr.WriteLine($"harness run: {problem}");
            return HarnessProgram.ExitUsage;
        }

        var kept = capture.TruncatedFrames + capture.DroppedFrames == 0 ? ""
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $" ({capture.TruncatedFrames} truncated, {capture.DroppedFrames} not kept: beyond {WireCapture.CaptureBytesMax >> 20} MiB / {WireCapture.FramesMax} frames)");
        stdout.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"pcap: {capture.Frames} frames written to {path}{kept}"));
        return exit;
    }

    /// <summary>Writes the report of <c>--junit</c>, if given; false, with the error said on <paramref name="stderr"/>, when it could not be written.</summary>
    public static bool WriteJunit(RunSettings s, Func<JUnitReport> report, TextWriter stderr)
    {
        if (s.JunitPath is not { } path)
        {
            return true;
        }

        var problem = OutputPath.WriteProblem(path, "--junit", "the report", () => JUnitWriter.WriteFile(report(), path));
        if (problem != null)
        {
            stderr.WriteLine($"harness run: {problem}");
        }

        return problem == null;
    }

    /// <summary>Closes the <c>--trace</c> file (if any): <paramref name="exit"/>, or 2 with the error said when a write of the trace failed.</summary>
    public static int CloseTrace(TraceFile? trace, int exit, TextWriter stderr)
    {
        if (trace?.Close() is not { } problem)
        {
            return exit;
        }

        stderr.WriteLine($"harness run: {problem}");
        return HarnessProgram.ExitUsage;
    }
}
