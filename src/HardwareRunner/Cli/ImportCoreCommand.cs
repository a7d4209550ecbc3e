using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Harness.HardwareRunner.FieldBugs;
using Harness.HardwareRunner.Reports;
using Harness.HardwareRunner.Scenarios;
using Harness.Sim.Scenarios;
using Harness.Transport.Target;
using Harness.Transport.Target.Snapshot;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness import-core SNAPSHOT.json -o scenario.json</c>: a snapshot written by <c>tools/gdb/rdma_snapshot.py</c>
/// (from an SPDK target's core dump) becomes a scenario whose initial target state is that snapshot. The snapshot is
/// audited (every inconsistency listed) and run once on the fixed transport: what the invariant checker reports is
/// the scenario's expectation (<c>must-detect: …</c>), or <c>must-pass</c> when the state drains cleanly. Exit 0 when
/// written, 2 for a bad snapshot (named by file, line and field) or an unwritable output.
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
        TargetSnapshot snapshot;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
            snapshot = TargetSnapshotReader.Read(bytes, path);
        }
        catch (SnapshotFormatException e)
        {
            return Usage(stderr, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Usage(stderr, $"{path}: cannot read the snapshot: {e.Message}");
        }

        stdout.WriteLine("import-core: " + SnapshotScenario.Describe(snapshot));
        foreach (var note in snapshot.Notes.Concat(snapshot.Errors.Select(e => "extraction error: " + e)))
        {
            stdout.WriteLine("  " + note);
        }

        var findings = TargetSnapshotAudit.Run(snapshot);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"audit: {findings.Count} inconsistenc{(findings.Count == 1 ? "y" : "ies")}"));
        foreach (var f in findings)
        {
            stdout.WriteLine("  " + f);
        }

        string expect;
        try
        {
            var violation = new SnapshotRun(snapshot, KnownDefects.None).Execute(null, TextWriter.Null, out _);
            expect = violation == null ? ScenarioExpectation.MustPassText : ScenarioExpectation.MustDetectPrefix + violation.Invariant;
            stdout.WriteLine(violation == null
                ? "run (fixed transport): every restored qpair drained and was destroyed; no invariant broken"
                : $"run (fixed transport): invariant broken at once: {violation}");
        }
        catch (NotSupportedException e)
        {
            return Usage(stderr, $"{path}: {e.Message}");
        }

        var scenario = new Scenario
        {
            Schema = "../docs/scenario.schema.json",
            Name = name ?? ScenarioName(path),
            Description = Description(path, snapshot, findings, expect),
            Seed = 1,
            Expect = expect,
            Commands = Array.Empty<ScenarioCommand>(),
            InitialState = JsonDocument.Parse(bytes).RootElement.Clone(),
        };
        return Write(scenario, outputPath, stdout, stderr);
    }

    private static string Description(string path, TargetSnapshot s, IReadOnlyList<SnapshotFinding> findings, string expect) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Imported by harness import-core from {Path.GetFileName(path)}: {SnapshotScenario.Describe(s)}. The target starts in that state and is checked at once; then every restored qpair is disconnected and must drain. {findings.Count} inconsistenc{(findings.Count == 1 ? "y" : "ies")} in the snapshot{(findings.Count > 0 ? ", first: " + findings[0] : string.Empty)}. Expected on the fixed transport: {expect}.");

    private static int Write(Scenario scenario, string outputPath, TextWriter stdout, TextWriter stderr)
    {
        var json = ScenarioFile.ToJson(scenario);
        ScenarioFile.Parse(json, outputPath); // what we write must load; a failure here is a bug of the importer
        try
        {
            AtomicFile.WriteText(outputPath, json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Usage(stderr, $"--output {outputPath}: cannot write the scenario there: {e.Message}");
        }

        stdout.WriteLine($"wrote {outputPath}: scenario {scenario.Name}, expect {scenario.Expect}");
        stdout.WriteLine($"replay: harness replay {outputPath}");
        return HarnessProgram.ExitOk;
    }

    private static string ScenarioName(string path)
    {
        var stem = new string(Path.GetFileNameWithoutExtension(path).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray());
        var name = "core-" + stem;
        return name.Length > 100 ? name[..100] : name;
    }

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"harness import-core: {message}");
        stderr.WriteLine("usage: harness import-core --help");
        return HarnessProgram.ExitUsage;
    }
}
