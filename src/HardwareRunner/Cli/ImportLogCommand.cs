using System.CommandLine;
using System.Globalization;
using Harness.HardwareRunner.FieldBugs;
using Harness.HardwareRunner.Reports;
using Harness.Sim.Scenarios;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness import-log LOGFILE [--counters FILE] -o scenario.json</c>: SPDK target/host log lines and NIC counters
/// become a scenario with the same kinds, order and proportions of failures (<see cref="FieldScenarioBuilder"/>).
/// Unknown lines are counted and shown, never fatal. Exit 0 when the scenario was written; 2 when a file cannot be
/// read or holds no failure at all (nothing is written then).
/// </summary>
internal static class ImportLogCommand
{
    /// <summary>Largest log read (a week of a busy target's log is far less).</summary>
    public const long LogBytesMax = 4L << 30;

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var log = new Argument<string>("LOGFILE") { Description = "SPDK target and/or host log (nvmf_tgt, bdev_nvme…); any line prefix." };
        var counters = new Option<string?>("--counters") { HelpName = "FILE", Description = "NIC counters: ethtool -S output, 'grep . …/hw_counters/*', or 'name value' lines." };
        var output = new Option<string>("--output", "-o") { HelpName = "FILE", Description = "Where to write the scenario (JSON, docs/scenarios.md).", Required = true };
        var name = new Option<string?>("--name") { HelpName = "NAME", Description = "The scenario's name (default: field- and the log's file name)." };
        var command = new Command("import-log", "Turn a field log (and NIC counters) into a scenario with the same kinds, order and proportions of failures.")
        {
            log, counters, output, name,
        };
        command.SetAction(parse => Execute(parse.GetValue(log)!, parse.GetValue(counters), parse.GetValue(output)!, parse.GetValue(name), stdout, stderr));
        return command;
    }

    public static int Execute(string logPath, string? countersPath, string outputPath, string? name, TextWriter stdout, TextWriter stderr)
    {
        var report = new FieldReport();
        if (Read(logPath, "LOGFILE", p => SpdkLogParser.ReadFile(p, report), stderr) is { } bad)
        {
            return bad;
        }

        if (countersPath != null && Read(countersPath, "--counters", p => NicCounterFile.ReadFile(p, report), stderr) is { } badCounters)
        {
            return badCounters;
        }

        PrintReport(report, logPath, countersPath, stdout);
        var plan = new List<string>();
        var scenarioName = name ?? ScenarioName(logPath);
        var scenario = FieldScenarioBuilder.Build(report, scenarioName, Path.GetFileName(logPath) + (countersPath != null ? " and " + Path.GetFileName(countersPath) : string.Empty), plan);
        if (scenario.Faults!.Count == 0 && !scenario.Commands!.Any(c => c is not (SettleCommand or WriteCommand or ReadCommand)))
        {
            return Usage(stderr, string.Create(CultureInfo.InvariantCulture,
                $"{logPath}: no failure recognised ({report.Lines} lines, {report.Unknown} unknown, no error completion, CM or async event{(countersPath != null ? " and no error counter" : string.Empty)}); nothing written"));
        }

        stdout.WriteLine("plan:");
        foreach (var line in plan)
        {
            stdout.WriteLine("  " + line);
        }

        return Write(scenario, outputPath, stdout, stderr);
    }

    private static int? Read(string path, string what, Action<string> read, TextWriter stderr)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return Usage(stderr, $"{what} {path}: no such file");
            }

            if (info.Length > LogBytesMax)
            {
                return Usage(stderr, string.Create(CultureInfo.InvariantCulture, $"{what} {path}: {info.Length} bytes, more than {LogBytesMax} (cut the log around the failure)"));
            }

            read(path);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Usage(stderr, $"{what} {path}: cannot read it: {e.Message}");
        }
    }

    private static void PrintReport(FieldReport r, string logPath, string? countersPath, TextWriter o)
    {
        var inv = CultureInfo.InvariantCulture;
        var count = (FieldEventKind k) => r.Events.Count(e => e.Kind == k);
        o.WriteLine(string.Create(inv,
            $"import-log: {logPath}: {r.Lines} lines: {count(FieldEventKind.WcError)} error completion(s), {r.Flushes} flush(es), {count(FieldEventKind.CmEvent)} CM event(s), {count(FieldEventKind.AsyncEvent)} async event(s), {count(FieldEventKind.DeleteHang)} delete hang(s); {r.Benign} other SPDK line(s); {r.Unknown} unknown line(s)"));
        foreach (var (line, text) in r.UnknownSamples)
        {
            o.WriteLine(string.Create(inv, $"  unknown line {line}: {text}"));
        }

        if (r.Unknown > r.UnknownSamples.Count)
        {
            o.WriteLine(string.Create(inv, $"  … and {r.Unknown - r.UnknownSamples.Count} more unknown lines"));
        }

        foreach (var e in r.Events.Take(20))
        {
            o.WriteLine(string.Create(inv, $"  line {e.Line}: {e.Side.ToString().ToLowerInvariant()} {Describe(e)}"));
        }

        if (countersPath != null)
        {
            var errors = r.Counters.Where(c => Native.NicCounters.ErrorCounters.Contains(c.Key) && c.Value > 0).Select(c => string.Create(inv, $"{c.Key} {c.Value}"));
            o.WriteLine(string.Create(inv, $"counters: {countersPath}: {r.Counters.Count} counter(s), error counters: {string.Join(", ", errors)}; {r.UnknownCounterLines} line(s) not understood"));
        }
    }

    private static string Describe(FieldEvent e) => e.Kind switch
    {
        FieldEventKind.WcError => string.Create(CultureInfo.InvariantCulture, $"{e.WrType} {e.Status.ToIbvName()} ({e.FlushedRecvs} receive and {e.FlushedSends} send-side flushes after it)"),
        FieldEventKind.DeleteHang => "controller delete did not finish (NVMe path still exists after delete)",
        _ => e.Event ?? "?",
    };

    private static int Write(Scenario scenario, string outputPath, TextWriter stdout, TextWriter stderr)
    {
        var json = ScenarioFile.ToJson(scenario);
        ScenarioFile.Parse(json, outputPath); // what we write must load; a failure here is a bug of the importer, not of the log
        try
        {
            AtomicFile.WriteText(outputPath, json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Usage(stderr, $"--output {outputPath}: cannot write the scenario there: {e.Message}");
        }

        stdout.WriteLine($"wrote {outputPath}: scenario {scenario.Name}, expect {scenario.Expect}, {scenario.Commands!.Count} command(s), {scenario.Faults!.Count} fault(s)");
        stdout.WriteLine($"replay: harness replay {outputPath}");
        stdout.WriteLine($"  with the pre-fix transport: harness replay {outputPath} --defect pending-read-queue-double-insert");
        return HarnessProgram.ExitOk;
    }

    private static string ScenarioName(string path)
    {
        var stem = new string(Path.GetFileNameWithoutExtension(path).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray());
        var name = "field-" + stem;
        return name.Length > 100 ? name[..100] : name;
    }

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"harness import-log: {message}");
        stderr.WriteLine("usage: harness import-log --help");
        return HarnessProgram.ExitUsage;
    }
}
