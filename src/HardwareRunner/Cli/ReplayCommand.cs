using System.Globalization;
using Harness.HardwareRunner.Scenarios;
using Harness.Sim.Files;
using Harness.Sim.Scenarios;
using Harness.Sim.Tracing;
using Harness.Transport.Target;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness replay PATH</c>: loads every scenario first (a bad file stops everything before anything runs: exit 2,
/// each problem as <c>FILE:LINE: FIELD: PROBLEM</c>), then runs them in name order. For each: the fault line, the
/// summary, evidence notes, the result and <c>trace-hash</c>; a scenario not as expected names what broke (or did not)
/// and the command that replays it. Exit 0 when every expectation was met, 1 otherwise.
/// </summary>
internal static class ReplayCommand
{
    public static int Execute(string path, IReadOnlyList<string> defectNames, string? tracePath, TextWriter stdout, TextWriter stderr)
    {
        var defects = KnownDefectNames.Fold(defectNames);

        var files = Files(path, stderr);
        if (files == null)
        {
            return HarnessProgram.ExitUsage;
        }

        if (tracePath != null && (files.Count != 1 || Directory.Exists(path)))
        {
            return Usage(stderr, $"--trace {tracePath}: applies to one scenario file, not to a folder");
        }

        var documents = Load(files, stderr);
        if (documents == null)
        {
            return HarnessProgram.ExitUsage;
        }

        var failed = new List<string>();
        foreach (var document in documents)
        {
            if (RunOne(document, defects, defectNames, tracePath, stdout, stderr) is { } status)
            {
                if (status == HarnessProgram.ExitUsage)
                {
                    return status;
                }

                failed.Add(document.File);
            }
        }

        if (documents.Count > 1)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"replay: {documents.Count} scenarios, {documents.Count - failed.Count} as expected, {failed.Count} not as expected"));
        }

        return failed.Count == 0 ? HarnessProgram.ExitOk : HarnessProgram.ExitInvariantBroken;
    }

    /// <summary>Null when the scenario met its expectation, else the exit code it contributes.</summary>
    private static int? RunOne(ScenarioDocument document, KnownDefects defects, IReadOnlyList<string> defectNames, string? tracePath, TextWriter stdout, TextWriter stderr)
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
            outcome = ScenarioRunner.Run(document, new ScenarioRunOptions { ExtraDefects = defects, Trace = trace }, stdout.WriteLine);
        }
        catch (ScenarioFormatException e)
        {
            trace?.Dispose();
            stderr.WriteLine($"harness replay: {e.Message}");
            return HarnessProgram.ExitUsage;
        }

        foreach (var line in outcome.Summary.Concat(outcome.Notes.Select(n => "note: " + n)))
        {
            stdout.WriteLine(line);
        }

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

        stderr.WriteLine($"replay: harness replay {document.File}{string.Concat(defectNames.Select(d => " --defect " + d))}");
        return HarnessProgram.ExitInvariantBroken;
    }

    private static string Defects(Scenario s, IReadOnlyList<string> extra)
    {
        var all = (s.Defects ?? Array.Empty<string>()).Concat(extra).Distinct(StringComparer.Ordinal).ToList();
        return all.Count == 0 ? "none" : string.Join(", ", all);
    }

    /// <summary>The scenario files of <paramref name="path"/> in name order, or null (error written) when there are none.</summary>
    private static List<string>? Files(string path, TextWriter stderr)
    {
        if (File.Exists(path))
        {
            return new List<string> { path };
        }

        if (!Directory.Exists(path))
        {
            Usage(stderr, $"{path}: no such scenario file or folder");
            return null;
        }

        var files = Directory.EnumerateFiles(path, "*" + ScenarioFile.Extension, SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            Usage(stderr, $"{path}: the folder holds no *{ScenarioFile.Extension} scenario");
            return null;
        }

        return files;
    }

    /// <summary>Every file loaded and checked, or null with every problem written (nothing runs then).</summary>
    private static List<ScenarioDocument>? Load(List<string> files, TextWriter stderr)
    {
        var documents = new List<ScenarioDocument>();
        var bad = 0;
        foreach (var file in files)
        {
            try
            {
                documents.Add(ScenarioFile.Load(file));
            }
            catch (Exception e) when (e is ScenarioFormatException or InputFileException)
            {
                stderr.WriteLine($"harness replay: {e.Message}");
                bad++;
            }
        }

        if (bad == 0)
        {
            return documents;
        }

        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"harness replay: {bad} of {files.Count} scenario file(s) are not valid; nothing was run"));
        return null;
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            Usage(stderr, $"--trace {path}: cannot write the trace there: {e.Message}");
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
