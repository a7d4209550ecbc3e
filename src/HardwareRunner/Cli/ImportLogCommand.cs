using System.CommandLine;
using System.Globalization;
using Harness.HardwareRunner.FieldBugs;
using Harness.HardwareRunner.Reports;
using Harness.Sim.Files;
using Harness.Sim.Scenarios;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness import-log LOGFILE [--counters FILE] -o scenario.json</c>: SPDK target/host log lines and NIC counters
/// become a scenario with the same kinds, order and proportions of failures (<see cref="FieldScenarioBuilder"/>).
/// Unknown lines are counted and shown, never fatal; whatever the input holds is printed escaped. Exit 0 when the
/// scenario was written; 2 when a file cannot be read, the name or output is bad (checked first) or the log holds no
/// failure at all (nothing is written then).
/// </summary>
internal static class ImportLogCommand
{
    /// <summary>Largest log read (a week of a busy target's log is far less).</summary>
    public const long LogBytesMax = 4L << 30;

    /// <summary>Events listed one per line in the report (the rest are counted).</summary>
    public const int EventsListedMax = 20;

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
        if ((ImportedScenario.NameProblem(name) ?? OutputPath.Problem(outputPath, "--output", "the scenario")) is { } usage)
        {
            return Usage(stderr, usage);
        }

        var report = new FieldReport();
        if ((Read(logPath, "LOGFILE", p => SpdkLogParser.ReadFile(p, report)) ??
             (countersPath == null ? null : Read(countersPath, "--counters", p => NicCounterFile.ReadFile(p, report)))) is { } unreadable)
        {
            return Usage(stderr, unreadable);
        }

        PrintReport(report, logPath, countersPath, stdout);
        var plan = new List<string>();
        var source = Path.GetFileName(logPath) + (countersPath != null ? " and " + Path.GetFileName(countersPath) : string.Empty);
        var scenario = FieldScenarioBuilder.Build(report, name ?? ImportedScenario.DefaultName("field-", logPath), source, plan);
        scenario = scenario with { Description = ImportedScenario.Description(scenario.Description ?? string.Empty) };
        if (scenario.Faults!.Count == 0 && !scenario.Commands!.Any(c => c is not (SettleCommand or WriteCommand or ReadCommand)))
        {
            return Usage(stderr, string.Create(CultureInfo.InvariantCulture,
                $"{logPath}: no failure recognised ({report.Lines} lines, {report.Unknown} unknown, no error completion, CM or async event, no controller delete that hung{(countersPath != null ? " and no error counter" : string.Empty)}); nothing written"));
        }

        stdout.WriteLine("plan:");
        foreach (var line in plan)
        {
            stdout.WriteLine("  " + PrintableText.Escape(line));
        }

        if (ImportedScenario.Write(scenario, outputPath) is { } unwritten)
        {
            return Usage(stderr, unwritten);
        }

        stdout.WriteLine(PrintableText.Escape($"wrote {outputPath}: scenario {scenario.Name}, expect {scenario.Expect}, {scenario.Commands!.Count} command(s), {scenario.Faults!.Count} fault(s)"));
        stdout.WriteLine(PrintableText.Escape($"replay: harness replay {ShellWord.Quote(outputPath)}"));
        foreach (var defect in FieldScenarioBuilder.SuspectedDefects(scenario))
        {
            stdout.WriteLine(PrintableText.Escape($"  with the pre-fix transport: harness replay {ShellWord.Quote(outputPath)} --defect {defect}"));
        }

        return HarnessProgram.ExitOk;
    }

    /// <summary>Reads one input; null, or why it cannot be read (<paramref name="what"/> names the argument).</summary>
    private static string? Read(string path, string what, Action<string> read)
    {
        if (File.Exists(path) && new FileInfo(path).Length > LogBytesMax)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{what} {path}: {new FileInfo(path).Length} bytes, more than {LogBytesMax} (cut the log around the failure)");
        }

        try
        {
            read(path);
            return null;
        }
        catch (InputFileException e)
        {
            return $"{what} {e.Message}";
        }
        catch (IOException e)
        {
            return $"{what} {path}: cannot read it: {e.Message}";
        }
    }

    private static void PrintReport(FieldReport r, string logPath, string? countersPath, TextWriter o)
    {
        var inv = CultureInfo.InvariantCulture;
        Print(o, string.Create(inv,
            $"import-log: {logPath}: {r.Lines} lines: {r.CountOf(FieldEventKind.WcError)} error completion(s), {r.Flushes} flush(es), {r.CountOf(FieldEventKind.CmEvent)} CM event(s), {r.CountOf(FieldEventKind.AsyncEvent)} async event(s), {r.CountOf(FieldEventKind.DeleteHang)} delete hang(s); {r.Benign} other SPDK line(s); {r.Unknown} unknown line(s)"));
        if (r.CutLines > 0)
        {
            Print(o, string.Create(inv, $"  {r.CutLines} line(s) longer than {SpdkLogParser.LineCharsMax} characters: read up to that length"));
        }

        foreach (var (line, text) in r.UnknownSamples)
        {
            Print(o, string.Create(inv, $"  unknown line {line}: {text}"));
        }

        if (r.Unknown > r.UnknownSamples.Count)
        {
            Print(o, string.Create(inv, $"  … and {r.Unknown - r.UnknownSamples.Count} more unknown lines"));
        }

        if (r.Reordered)
        {
            Print(o, "  the log's lines are not in time order: events taken in timestamp order");
        }

        foreach (var e in r.Events.Take(EventsListedMax))
        {
            Print(o, string.Create(inv, $"  line {e.Line}: {e.Side.ToString().ToLowerInvariant()} {Describe(e)}"));
        }

        var unlisted = Enum.GetValues<FieldEventKind>().Sum(r.Seen) - Math.Min(EventsListedMax, r.Events.Count);
        if (unlisted > 0)
        {
            Print(o, string.Create(inv, $"  … and {unlisted} more event(s)"));
        }

        if (countersPath != null)
        {
            var errors = r.Counters.Where(c => Native.NicCounters.ErrorCounters.Contains(c.Key) && c.Value > 0).Select(c => $"{c.Key} {r.CounterText(c.Key)}");
            Print(o, string.Create(inv, $"counters: {countersPath}: {r.Counters.Count} counter(s), error counters: {string.Join(", ", errors)}; {r.UnknownCounterLines} line(s) not understood"));
        }
    }

    private static void Print(TextWriter o, string line) => o.WriteLine(PrintableText.Escape(line));

    private static string Describe(FieldEvent e) => e.Kind switch
    {
        FieldEventKind.WcError => string.Create(CultureInfo.InvariantCulture, $"{e.WrType} {e.Status.ToIbvName()} ({e.FlushedRecvs} receive and {e.FlushedSends} send-side flushes after it)"),
        FieldEventKind.DeleteHang => "controller delete did not finish (NVMe path still exists after delete)",
        _ => e.Event ?? "?",
    };

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"harness import-log: {PrintableText.Escape(message)}");
        stderr.WriteLine("usage: harness import-log --help");
        return HarnessProgram.ExitUsage;
    }
}
