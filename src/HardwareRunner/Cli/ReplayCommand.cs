using System.Globalization;
using Harness.HardwareRunner.Reports;
using Harness.HardwareRunner.Scenarios;
using Harness.Sim.Files;
using Harness.Sim.Scenarios;
using Harness.Sim.Tracing;
using Harness.Sim.Wire;
using Harness.Transport.Target;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness replay PATH</c>: loads every scenario first and reports each bad one (<c>FILE:LINE: FIELD: PROBLEM</c>),
/// then runs every valid one in name order, so that one bad file in a suite hides no other file's verdict. For each
/// run: the fault line, the summary, evidence notes, the result and <c>trace-hash</c>; a scenario not as expected
/// names what broke (or did not) and the command that replays it. Exit 2 when any file was bad, else 1 when any
/// expectation was not met, else 0.
/// </summary>
internal static class ReplayCommand
{
    public static int Execute(string path, IReadOnlyList<string> defectNames, string? tracePath, string? pcapPath, TextWriter stdout, TextWriter stderr)
    {
        var defects = KnownDefectNames.Fold(defectNames);
        var unlisted = new List<string>();
        var files = ReplayFiles.Find(path, unlisted);
        if (files == null)
        {
            return Usage(stderr, $"{path}: no such scenario file or folder");
        }

        if (files.Count == 0 && unlisted.Count == 0)
        {
            return Usage(stderr, $"{path}: the folder holds no *{ScenarioFile.Extension} scenario");
        }

        if (tracePath != null && (files.Count != 1 || Directory.Exists(path)))
        {
            return Usage(stderr, $"--trace {tracePath}: applies to one scenario file, not to a folder");
        }

        if (OutputPath.Problem(tracePath, "--trace", "the trace") is { } traceProblem)
        {
            return Usage(stderr, traceProblem);
        }

        if (pcapPath != null && (files.Count != 1 || Directory.Exists(path)))
        {
            return Usage(stderr, $"--pcap {pcapPath}: applies to one scenario file, not to a folder");
        }

        if (OutputPath.Problem(pcapPath, "--pcap", "the capture") is { } pcapProblem)
        {
            return Usage(stderr, pcapProblem);
        }

        var tally = new Tally { Bad = unlisted.Count };
        unlisted.ForEach(problem => stderr.WriteLine($"harness replay: {problem}"));
        foreach (var document in Load(files, stderr, tally))
        {
            var capture = pcapPath == null ? null : new WireCapture();
            var status = RunOne(document, defects, defectNames, tracePath, capture, stdout, stderr, tally);
            tally.Count(WritePcap(pcapPath, capture, status, stdout, stderr));
        }

        tally.Report(stdout, stderr);
        return tally.ExitCode;
    }

    /// <summary>How the scenarios of one replay fared.</summary>
    private sealed class Tally
    {
        /// <summary>Files (or folders) that could not be read, were not valid scenarios, or that a run refused.</summary>
        public int Bad { get; set; }

        public int AsExpected { get; private set; }

        public int NotAsExpected { get; private set; }

        /// <summary>Scripted faults, over every run, that never fired.</summary>
        public int NeverFired { get; set; }

        public int ExitCode => Bad > 0 ? HarnessProgram.ExitUsage : NotAsExpected > 0 ? HarnessProgram.ExitInvariantBroken : HarnessProgram.ExitOk;

        /// <summary>Counts one run's result (see <see cref="RunOne"/>).</summary>
        public void Count(int? status)
        {
            switch (status)
            {
                case null:
                    AsExpected++;
                    break;
                case HarnessProgram.ExitUsage:
                    Bad++;
                    break;
                default:
                    NotAsExpected++;
                    break;
            }
        }

        public void Report(TextWriter stdout, TextWriter stderr)
        {
            var inv = CultureInfo.InvariantCulture;
            var ran = AsExpected + NotAsExpected;
            if (ran + Bad > 1)
            {
                var notValid = Bad == 0 ? string.Empty : string.Create(inv, $", {Bad} not valid (not run)");
                var neverFired = NeverFired == 0 ? string.Empty : string.Create(inv, $"; warning: {NeverFired} fault(s) never fired");
                stdout.WriteLine(string.Create(inv, $"replay: {ran + Bad} scenarios, {AsExpected} as expected, {NotAsExpected} not as expected{notValid}{neverFired}"));
            }

            if (Bad > 0 && ran + Bad > 1)
            {
                stderr.WriteLine(string.Create(inv, $"harness replay: {Bad} of {ran + Bad} scenario file(s) not valid or not readable (each named above); the {ran} valid one(s) ran"));
            }
        }
    }

    /// <summary>Null when the scenario met its expectation, else the exit code it contributes.</summary>
    /// <summary>Writes the capture after a run (whatever its verdict); a capture that cannot be written makes the run's status 2.</summary>
    private static int? WritePcap(string? path, WireCapture? capture, int? status, TextWriter stdout, TextWriter stderr)
    {
        if (path == null || capture == null || status == HarnessProgram.ExitUsage)
        {
            return status;
        }

        if (OutputPath.WriteProblem(path, "--pcap", "the capture", () => capture.Save(path)) is { } problem)
        {
            stderr.WriteLine($"harness replay: {problem}");
            return HarnessProgram.ExitUsage;
        }

        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pcap: {capture.Frames} frames written to {path}"));
        return status;
    }

    private static int? RunOne(ScenarioDocument document, KnownDefects defects, IReadOnlyList<string> defectNames, string? tracePath, WireCapture? capture, TextWriter stdout, TextWriter stderr, Tally tally)
    {
        var s = document.Scenario;
        stdout.WriteLine($"scenario {s.Name} ({document.File}): expect {s.Expect}; seed {s.EffectiveSeed}; defects {Defects(s, defectNames)}");
        if (!TryOpenTrace(tracePath, stderr, out var trace))
        {
            return HarnessProgram.ExitUsage;
        }

        ScenarioOutcome outcome;
        try
        {
            outcome = ScenarioRunner.Run(document, new ScenarioRunOptions { ExtraDefects = defects, Trace = trace, Capture = capture }, stdout.WriteLine);
        }
        catch (ScenarioFormatException e)
        {
            // Refused before it ran: no trace of it is left behind (a half-written file would pass for a run).
            trace?.Dispose();
            if (tracePath != null)
            {
                File.Delete(tracePath);
            }

            stderr.WriteLine($"harness replay: {e.Message}");
            return HarnessProgram.ExitUsage;
        }

        foreach (var line in outcome.Summary.Concat(outcome.Notes.Select(n => "note: " + n)))
        {
            stdout.WriteLine(line);
        }

        WarnNeverFired(document, outcome, stdout, stderr);
        tally.NeverFired += outcome.FaultsNeverFired.Count;

        if (outcome.BrokenInvariant != null)
        {
            stdout.WriteLine($"broken: {outcome.BrokenInvariant}: {outcome.Detail!.Split('\n', 2)[0]}");
        }

        stdout.WriteLine(outcome.ResultLine);
        stdout.WriteLine($"trace-hash: {outcome.TraceHash}");
        if (outcome.AsExpected)
        {
            return null;
        }

        stderr.WriteLine($"scenario {s.Name} not as expected: {outcome.ResultLine["result: NOT AS EXPECTED: ".Length..]}");
        if (outcome.Detail != null)
        {
            stderr.WriteLine($"invariant broken: {outcome.BrokenInvariant}: {outcome.Detail}");
        }

        stderr.WriteLine($"replay: harness replay {ShellWord.Quote(document.File)}{string.Concat(defectNames.Select(d => " --defect " + d))}");
        return HarnessProgram.ExitInvariantBroken;
    }

    /// <summary>
    /// A fault that never fired tested nothing, whatever the verdict: said in the summary and on stderr with the line of
    /// the fault, so that neither a reader of the output nor a CI log misses it.
    /// </summary>
    private static void WarnNeverFired(ScenarioDocument document, ScenarioOutcome outcome, TextWriter stdout, TextWriter stderr)
    {
        foreach (var i in outcome.FaultsNeverFired)
        {
            var warning = ScenarioText.NeverFired(document.Scenario, i);
            stdout.WriteLine($"warning: {warning}");
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"harness replay: {document.File}:{document.LineOf($"/faults/{i}")}: warning: {warning}"));
        }
    }

    private static string Defects(Scenario s, IReadOnlyList<string> extra)
    {
        var all = (s.Defects ?? Array.Empty<string>()).Concat(extra).Distinct(StringComparer.Ordinal).ToList();
        return all.Count == 0 ? "none" : string.Join(", ", all);
    }

    /// <summary>The valid scenarios of <paramref name="files"/>, in order; every bad file is written and counted.</summary>
    private static List<ScenarioDocument> Load(List<string> files, TextWriter stderr, Tally tally)
    {
        var documents = new List<ScenarioDocument>();
        foreach (var file in files)
        {
            try
            {
                documents.Add(ScenarioFile.Load(file));
            }
            catch (Exception e) when (e is ScenarioFormatException or InputFileException)
            {
                stderr.WriteLine($"harness replay: {e.Message}");
                tally.Bad++;
            }
        }

        return documents;
    }

    private static bool TryOpenTrace(string? path, TextWriter stderr, out Trace? trace)
    {
        trace = null;
        if (path == null)
        {
            return true;
        }

        try
        {
            trace = new Trace(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16), ownsStream: true);
            return true;
        }
        catch (Exception e) when (InputFile.IsFileProblem(e))
        {
            stderr.WriteLine($"harness replay: --trace {path}: cannot write the trace there: {OutputPath.Why(path) ?? InputFile.Reason(e)}");
            return false;
        }
    }

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"harness replay: {message}");
        stderr.WriteLine("usage: harness replay --help");
        return HarnessProgram.ExitUsage;
    }
}
