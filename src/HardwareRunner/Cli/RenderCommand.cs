using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Harness.HardwareRunner.Render;
using Harness.HardwareRunner.Reports;
using Harness.Sim.Files;
using Harness.Sim.Tracing;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness render TRACE -o run.svg</c>: draws a trace (<c>harness run --trace</c>) as a timeline, an SVG (or an HTML
/// page around it when the output ends in <c>.html</c>). Exit 0 when written; 2 on a bad trace (named by file, line and
/// field), a bad option (named), a window that holds nothing to draw, or an output that cannot be written (checked
/// before the trace is read; the picture is written whole or not at all).
/// </summary>
internal static class RenderCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var trace = new Argument<string>("TRACE") { Description = "A JSONL trace written by harness run --trace." };
        var output = new Option<string>("--output", "-o") { HelpName = "FILE", Description = "Where to write the picture: FILE.svg, or FILE.html for a page around it.", Required = true };
        var from = Microseconds("--from-us", "Start the window at this virtual time (default: a little before the first fault or error completion).");
        var until = Microseconds("--until-us", "End the window at this virtual time (default: the violation, or the end).");
        var context = Count("--context", 0, int.MaxValue, TimelineOptions.ContextRecordsDefault, "Records shown before the first fault or error completion.");
        var max = Count("--records-max", TimelineOptions.RecordsMaxMin, TimelineOptions.RecordsMaxLimit, TimelineOptions.RecordsMaxDefault, "Records drawn at most (the middle of a longer window is elided).");
        var command = new Command("render", "Draw a trace as a timeline (lanes per thread, CM channel and QP; WRs as arrows; the violated invariant at the end).")
        {
            trace, output, from, until, context, max,
        };
        command.SetAction(parse => Execute(parse.GetValue(trace)!, parse.GetValue(output)!, new TimelineOptions
        {
            FromNs = ToNs(parse.GetValue(from)),
            UntilNs = ToNs(parse.GetValue(until)),
            ContextRecords = parse.GetValue(context),
            RecordsMax = parse.GetValue(max),
            Title = parse.GetValue(trace)!,
        }, stdout, stderr));
        return command;
    }

    public static int Execute(string tracePath, string outputPath, TimelineOptions options, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (OptionProblem(outputPath, options) is { } problem)
        {
            return Usage(stderr, problem);
        }

        List<TraceRecord> records;
        try
        {
            records = TraceReader.ReadFile(tracePath);
        }
        catch (InputFileException e)
        {
            return Usage(stderr, e.Message);
        }
        catch (TraceFormatException e)
        {
            return Usage(stderr, $"{e.Message} (not a trace written by harness run --trace)");
        }

        if (records.Count == 0)
        {
            return Usage(stderr, $"{tracePath}: no records: an empty trace has nothing to draw");
        }

        var model = TimelineModel.Build(records, options);
        if (!HasDrawable(model))
        {
            return Usage(stderr, EmptyWindow(tracePath, records, options));
        }

        return Write(model, options, outputPath, records.Count, stdout, stderr);
    }

    private static int Write(TimelineModel model, TimelineOptions options, string outputPath, int records, TextWriter stdout, TextWriter stderr)
    {
        var html = IsHtml(outputPath);
        var svg = new SvgTimeline(model, options);
        try
        {
            OutputFile.Write(outputPath, s => svg.Write(s, html));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Usage(stderr, $"--output {outputPath}: cannot write the picture there: {e.Message}");
        }

        stdout.WriteLine(PrintableText.Escape(string.Create(CultureInfo.InvariantCulture,
            $"render: {records} records, window {model.Window.Start + 1}..{model.Window.End + 1}{Elided(model.Window, options)}, {model.Lanes.All.Count} lanes, {model.Arrows.Count} work requests, {model.Marks.Count} marks -> {outputPath} ({svg.Width:0}x{svg.Height:0} px)")));
        stdout.WriteLine(PrintableText.Escape(model.Violation == null ? "violation: none in this trace" : $"violation: {model.Violation.Invariant}: {model.Violation.Detail}"));
        if (model.Culprit != null)
        {
            stdout.WriteLine(PrintableText.Escape($"highlighted: {model.Culprit}"));
        }

        return HarnessProgram.ExitOk;
    }

    /// <summary>What is wrong with the options on their own (before the trace is read), or null.</summary>
    private static string? OptionProblem(string outputPath, TimelineOptions o)
    {
        if (o.ContextRecords < 0 || o.RecordsMax is < TimelineOptions.RecordsMaxMin or > TimelineOptions.RecordsMaxLimit)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"--context {o.ContextRecords} / --records-max {o.RecordsMax}: need --context >= 0 and --records-max {TimelineOptions.RecordsMaxMin}..{TimelineOptions.RecordsMaxLimit}");
        }

        if (o.FromNs is < 0 || o.UntilNs is < 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"--from-us {Us(o.FromNs)} / --until-us {Us(o.UntilNs)}: a window bound is a virtual time, at least 0");
        }

        if (o.FromNs > o.UntilNs)
        {
            return string.Create(CultureInfo.InvariantCulture, $"--from-us {Us(o.FromNs)} is after --until-us {Us(o.UntilNs)}: the window would be empty");
        }

        if (!IsHtml(outputPath) && !outputPath.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
        {
            return $"--output {outputPath}: the picture is an .svg or an .html file";
        }

        return OutputPath.Problem(outputPath, "--output", "the picture");
    }

    /// <summary>Why the window holds nothing to draw, naming the bounds that made it so and what the trace spans.</summary>
    private static string EmptyWindow(string tracePath, List<TraceRecord> records, TimelineOptions o)
    {
        var span = string.Create(CultureInfo.InvariantCulture, $"its {records.Count} records span {records.Min(r => r.TimeNs) / 1e3:0.###}..{records.Max(r => r.TimeNs) / 1e3:0.###} µs");
        var bounds = (o.FromNs, o.UntilNs) switch
        {
            (null, null) => null,
            (_, null) => $"--from-us {Us(o.FromNs)}",
            (null, _) => $"--until-us {Us(o.UntilNs)}",
            _ => $"--from-us {Us(o.FromNs)} --until-us {Us(o.UntilNs)}",
        };
        return bounds != null
            ? $"{bounds}: no record of {tracePath} that can be drawn falls in this window ({span})"
            : $"{tracePath}: no record that can be drawn ({span})";
    }

    private static bool HasDrawable(TimelineModel model)
    {
        for (var i = model.Window.Start; i <= model.Window.End && i < model.Records.Count; i++)
        {
            if (model.Window.Contains(i) && TimelineText.IsDrawable(model.Records[i].Kind))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Says when <see cref="TimelineOptions.RecordsMax"/> capped what is drawn.</summary>
    private static string Elided(TimelineWindow w, TimelineOptions o) => w.Elided > 0
        ? string.Create(CultureInfo.InvariantCulture, $" ({w.Elided} records in the middle elided: --records-max {o.RecordsMax})")
        : string.Empty;

    private static bool IsHtml(string path) => path.EndsWith(".html", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".htm", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A time option in µs: a finite number from 0 to <see cref="TimelineOptions.TimeUsMax"/>; anything else is an error
    /// naming the option and the value (not the parser's .NET type).
    /// </summary>
    private static Option<double?> Microseconds(string name, string description) => new(name)
    {
        HelpName = "MICROSECONDS",
        Description = description,
        CustomParser = result =>
        {
            var text = Token(result);
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var us) && double.IsFinite(us) && us is >= 0 and <= TimelineOptions.TimeUsMax)
            {
                return us;
            }

            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} {PrintableText.Escape(text)}: not a virtual time in microseconds (a number from 0 to {TimelineOptions.TimeUsMax:0.#e0})"));
            return null;
        },
    };

    /// <summary>A count option: an integer in <paramref name="min"/>..<paramref name="max"/>, else an error naming the option and the value.</summary>
    private static Option<int> Count(string name, int min, int max, int defaultValue, string description) => new(name)
    {
        HelpName = "N",
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = Token(result);
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
            {
                return n;
            }

            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} {PrintableText.Escape(text)}: not a whole number from {min} to {max}"));
            return defaultValue;
        },
    };

    private static string Token(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;

    private static long? ToNs(double? us) => us == null ? null : (long)Math.Round(us.Value * 1000);

    private static string Us(long? ns) => ns == null ? "(none)" : string.Create(CultureInfo.InvariantCulture, $"{ns.Value / 1e3:0.###}");

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"harness render: {PrintableText.Escape(message)}");
        stderr.WriteLine("usage: harness render --help");
        return HarnessProgram.ExitUsage;
    }
}
