using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Harness.HardwareRunner.FieldBugs;
using Harness.HardwareRunner.Reports;
using Harness.HardwareRunner.Scenarios;
using Harness.Sim.Files;
using Harness.Sim.Scenarios;
using Harness.Transport.Target;
using Harness.Transport.Target.Snapshot;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness import-core SNAPSHOT.json -o scenario.json</c>: a snapshot written by <c>tools/gdb/rdma_snapshot.py</c>
/// (from an SPDK target's core dump) becomes a scenario whose initial target state is that snapshot. The snapshot is
/// audited (every inconsistency listed) and run once on the fixed transport: what the invariant checker reports is
/// the scenario's expectation (<c>must-detect: …</c>), or <c>must-pass</c> when the state drains cleanly. Exit 0 when
/// written, 2 for a bad snapshot (named by file, line and field), a bad name or an unwritable output (both checked
/// before the snapshot is read; the scenario is written whole or not at all).
/// </summary>
internal static class ImportCoreCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var snapshot = new Argument<string>("SNAPSHOT") { Description = "The JSON written by: gdb -batch -x tools/gdb/rdma_snapshot.py <binary> <core>." };
        var output = new Option<string>("--output", "-o") { HelpName = "FILE", Description = "Where to write the scenario (JSON, docs/scenarios.md).", Required = true };
        var name = new Option<string?>("--name") { HelpName = "NAME", Description = "The scenario's name (default: core- and the snapshot's file name)." };
        var command = new Command("import-core", "Turn a core-dump snapshot of an SPDK target into a scenario that starts the target from it; lists what is inconsistent.")
        {
            snapshot, output, name,
        };
        command.SetAction(parse => Execute(parse.GetValue(snapshot)!, parse.GetValue(output)!, parse.GetValue(name), stdout, stderr));
        return command;
    }

    public static int Execute(string path, string outputPath, string? name, TextWriter stdout, TextWriter stderr)
    {
        if ((ImportedScenario.NameProblem(name) ?? OutputPath.Problem(outputPath, "--output", "the scenario")) is { } usage)
        {
            return Usage(stderr, usage);
        }

        if (Read(path, out var bytes, out var snapshot) is { } problem)
        {
            return Usage(stderr, problem);
        }

        stdout.WriteLine(PrintableText.Escape("import-core: " + SnapshotScenario.Describe(snapshot)));
        foreach (var note in snapshot.Notes.Concat(snapshot.Errors.Select(e => "extraction error: " + e)))
        {
            stdout.WriteLine("  " + PrintableText.Escape(note));
        }

        var findings = TargetSnapshotAudit.Run(snapshot, out var total);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"audit: {Counts.Capped(findings.Count, total, "the snapshot has")} inconsistenc{(total == 1 ? "y" : "ies")}"));
        foreach (var f in findings)
        {
            stdout.WriteLine("  " + PrintableText.Escape(f.ToString()));
        }

        string expect;
        try
        {
            var violation = new SnapshotRun(snapshot, KnownDefects.None).Execute(null, TextWriter.Null, out _);
            expect = violation == null ? ScenarioExpectation.MustPassText : ScenarioExpectation.MustDetectPrefix + violation.Invariant;
            stdout.WriteLine(PrintableText.Escape(violation == null
                ? "run (fixed transport): every restored qpair drained and was destroyed; no invariant broken"
                : $"run (fixed transport): invariant broken at once: {violation}"));
        }
        catch (NotSupportedException e)
        {
            return Usage(stderr, $"{path}: {e.Message}");
        }

        var scenario = new Scenario
        {
            Schema = "../docs/scenario.schema.json",
            Name = name ?? ImportedScenario.DefaultName("core-", path),
            Description = ImportedScenario.Description(Description(path, snapshot, findings, total, expect)),
            Seed = 1,
            Expect = expect,
            Commands = Array.Empty<ScenarioCommand>(),
            InitialState = InitialState(bytes),
        };
        if (ImportedScenario.Write(scenario, outputPath) is { } unwritten)
        {
            return Usage(stderr, unwritten);
        }

        stdout.WriteLine(PrintableText.Escape($"wrote {outputPath}: scenario {scenario.Name}, expect {scenario.Expect}"));
        stdout.WriteLine(PrintableText.Escape($"replay: harness replay {ShellWord.Quote(outputPath)}"));
        return HarnessProgram.ExitOk;
    }

    /// <summary>Reads and checks the snapshot: null, or what is wrong with it (file, line and field named).</summary>
    private static string? Read(string path, out byte[] bytes, out TargetSnapshot snapshot)
    {
        bytes = Array.Empty<byte>();
        snapshot = null!;
        try
        {
            // The snapshot is embedded in the scenario, so it can be no larger than a scenario file.
            bytes = InputFile.ReadAllBytes(path, ScenarioFile.FileBytesMax, "snapshot to embed in a scenario");
        }
        catch (InputFileException e)
        {
            return e.Message;
        }

        if (bytes.AsSpan().StartsWith(Utf8Bom))
        {
            bytes = bytes[Utf8Bom.Length..];
        }

        if (InputFile.Utf8Problem(bytes, out _) is { } notUtf8)
        {
            return $"{path}: {notUtf8}";
        }

        try
        {
            snapshot = TargetSnapshotReader.Read(bytes, path);
            return null;
        }
        catch (SnapshotFormatException e)
        {
            return e.Message;
        }
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>The snapshot as the scenario's <c>initialState</c> (the reader accepted it, so it parses with the same rules).</summary>
    private static JsonElement InitialState(byte[] bytes)
    {
        using var document = JsonDocument.Parse(bytes, InputFile.JsonOptions(TargetSnapshotReader.DepthMax));
        return document.RootElement.Clone();
    }

    private static string Description(string path, TargetSnapshot s, IReadOnlyList<SnapshotFinding> findings, int total, string expect) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Imported by harness import-core from {Path.GetFileName(path)}: {SnapshotScenario.Describe(s)}. The target starts in that state and is checked at once; then every restored qpair is disconnected and must drain. {Counts.Capped(findings.Count, total, "the snapshot has")} inconsistenc{(total == 1 ? "y" : "ies")} in the snapshot{(findings.Count > 0 ? ", first: " + findings[0] : string.Empty)}. Expected on the fixed transport: {expect}.");

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"harness import-core: {PrintableText.Escape(message)}");
        stderr.WriteLine("usage: harness import-core --help");
        return HarnessProgram.ExitUsage;
    }
}
