using System.CommandLine;
using System.Globalization;
using Harness.HardwareRunner.Render;
using Harness.HardwareRunner.Reports;
using Harness.Sim.Tracing;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness render TRACE -o run.svg</c>: draws a trace (<c>harness run --trace</c>) as a timeline, an SVG (or an HTML
/// page around it when the output ends in <c>.html</c>). Exit 0 when written, 2 on a bad trace or option.
/// </summary>
internal static class RenderCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var trace = new Argument<string>("TRACE") { Description = "A JSONL trace written by harness run --trace." };
        var output = new Option<string>("--output", "-o") { HelpName = "FILE", Description = "Where to write the picture: FILE.svg, or FILE.html for a page around it.", Required = true };
        var from = new Option<double?>("--from-us") { HelpName = "MICROSECONDS", Description = "Start the window at this virtual time (default: a little before the first fault or error completion)." };
        var until = new Option<double?>("--until-us") { HelpName = "MICROSECONDS", Description = "End the window at this virtual time (default: the violation, or the end)." };
        var context = new Option<int>("--context") { HelpName = "N", Description = "Records shown before the first fault or error completion.", DefaultValueFactory = _ => TimelineOptions.ContextRecordsDefault };
        var max = new Option<int>("--records-max") { HelpName = "N", Description = "Records drawn at most (the middle of a longer window is elided).", DefaultValueFactory = _ => TimelineOptions.RecordsMaxDefault };
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
        if (options.ContextRecords < 0 || options.RecordsMax < 2)
        {
            return Usage(stderr, string.Create(CultureInfo.InvariantCulture, $"--context {options.ContextRecords} / --records-max {options.RecordsMax}: need --context >= 0 and --records-max >= 2"));
        }

        var html = outputPath.EndsWith(".html", StringComparison.OrdinalIgnoreCase) || outputPath.EndsWith(".htm", StringComparison.OrdinalIgnoreCase);
        if (!html && !outputPath.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
        {
            return Usage(stderr, $"--output {outputPath}: the picture is an .svg or an .html file");
        }

        List<TraceRecord> records;
        try
        {
            records = TraceReader.ReadFile(tracePath);
        }
        catch (TraceFormatException e)
        {
            return Usage(stderr, $"{e.Message} (not a trace written by harness run --trace)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Usage(stderr, $"{tracePath}: cannot read the trace: {e.Message}");
        }

        var model = TimelineModel.Build(records, options);
        var svg = new SvgTimeline(model, options);
        try
        {
            AtomicFile.Write(outputPath, s => svg.Write(s, html));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException)
        {
            return Usage(stderr, $"--output {outputPath}: cannot write the picture there: {e.Message}");
        }

        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"render: {records.Count} records, window {model.Window.Start + 1}..{model.Window.End + 1}, {model.Lanes.All.Count} lanes, {model.Arrows.Count} work requests, {model.Marks.Count} marks -> {outputPath} ({svg.Width:0}x{svg.Height:0} px)"));
        stdout.WriteLine(model.Violation == null ? "violation: none in this trace" : $"violation: {model.Violation.Invariant}: {model.Violation.Detail}");
        if (model.Culprit != null)
        {
            stdout.WriteLine($"highlighted: {model.Culprit}");
        }

        return HarnessProgram.ExitOk;
    }

    private static long? ToNs(double? us) => us == null ? null : (long)Math.Round(us.Value * 1000);

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"harness render: {message}");
        stderr.WriteLine("usage: harness render --help");
        return HarnessProgram.ExitUsage;
    }
}
