using System.Globalization;
using Harness.Sim.Tracing;

namespace Harness.HardwareRunner.Render;

/// <summary>
/// A failing (or any) run as a timeline: lanes, point marks, work-request arrows and the violated invariant, built from
/// the trace records of a <see cref="TimelineWindow"/>. Work requests are matched to their completions per QP in posting
/// order (as RC completes them) and SENDs to the peer's receive completions in order (as RC delivers them).
/// </summary>
public sealed class TimelineModel
{
    private readonly List<TimelineMark> _marks = new();
    private readonly List<TimelineArrow> _arrows = new();
    private readonly List<string> _story = new();
    private bool _storyFault;
    private bool _storyError;
    private bool _storyLog;

    private TimelineModel(IReadOnlyList<TraceRecord> records, TimelineWindow window, TimelineLanes lanes)
    {
        Records = records;
        Window = window;
        Lanes = lanes;
    }

    /// <summary>The whole trace (marks and arrows index into it).</summary>
    public IReadOnlyList<TraceRecord> Records { get; }

    public TimelineWindow Window { get; }

    public TimelineLanes Lanes { get; }

    public IReadOnlyList<TimelineMark> Marks => _marks;

    public IReadOnlyList<TimelineArrow> Arrows => _arrows;

    /// <summary>The invariant that broke, or null.</summary>
    public TimelineViolation? Violation { get; private set; }

    /// <summary>The request the picture highlights, described (null when nothing went wrong).</summary>
    public string? Culprit { get; private set; }

    /// <summary>The workload line (<c>workload nvmf ios=…</c>) of the run, if recorded.</summary>
    public string? Workload { get; private set; }

    /// <summary>The run in a few words: the first fault, the first error completion, the first error log line, the violation, with their times.</summary>
    public IReadOnlyList<string> Story => _story;

    /// <summary>Builds the timeline of <paramref name="records"/>.</summary>
    public static TimelineModel Build(IReadOnlyList<TraceRecord> records, TimelineOptions options)
    {
        var window = TimelineWindow.Choose(records, options);
        var model = new TimelineModel(records, window, TimelineLanes.Find(records, window));
        var culprit = TimelineCulprit.Find(records, window);
        model.Culprit = culprit?.Description;
        var wrs = new WrMatcher(model.Lanes);
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            if (r.Kind == TraceKind.Note && r.Node == "harness" && r.Text != null && r.Text.StartsWith("workload ", StringComparison.Ordinal))
            {
                model.Workload ??= r.Text;
            }

            if (window.Contains(i) && TimelineText.IsDrawable(r.Kind))
            {
                model.Add(i, r, wrs);
                model.Tell(r);
            }
        }

        model._arrows.AddRange(wrs.Arrows(culprit));
        return model;
    }

    private void Add(int i, in TraceRecord r, WrMatcher wrs)
    {
        var home = Lanes.Home(r);
        switch (r.Kind)
        {
            case TraceKind.PostSend:
                wrs.Posted(i, r);
                Mark(i, Lanes.Thread(r.Node, r.Thread), MarkKind.Post, string.Empty, r);
                break;
            case TraceKind.Completion:
                wrs.Completed(i, r);
                AddCompletion(i, r, home);
                break;
            case TraceKind.QpState:
                Mark(i, home, r.Op == "ERR" ? MarkKind.QpError : MarkKind.QpState, r.Op ?? string.Empty, r);
                break;
            case TraceKind.CmEvent:
                Mark(i, Lanes.Cm(r.Node), MarkKind.CmEvent, r.Op ?? string.Empty, r);
                break;
            case TraceKind.CmCall:
                Mark(i, Lanes.Thread(r.Node, r.Thread) ?? Lanes.Cm(r.Node), MarkKind.CmCall, r.Op ?? string.Empty, r);
                break;
            case TraceKind.AsyncEvent or TraceKind.CqOverrun:
                Mark(i, home, MarkKind.CmCall, r.Op ?? r.Kind.ToName(), r);
                break;
            case TraceKind.Fault:
                Mark(i, home, MarkKind.Fault, FaultLabel(r), r);
                break;
            case TraceKind.Retry:
                Mark(i, home, MarkKind.Retry, string.Empty, r);
                break;
            case TraceKind.Note:
                AddNote(i, r, home);
                break;
            case TraceKind.Violation:
                Violation = new TimelineViolation(i, r.Op ?? "invariant", r.Text ?? string.Empty);
                break;
        }
    }

    private void AddCompletion(int i, in TraceRecord r, TimelineLane? lane)
    {
        if (!TimelineText.IsError(r.Status))
        {
            Mark(i, lane, MarkKind.CompletionOk, string.Empty, r);
            return;
        }

        if (!TimelineText.IsFlush(r.Status))
        {
            Mark(i, lane, MarkKind.CompletionError, string.Create(CultureInfo.InvariantCulture, $"{TimelineText.Short(r.Status!)} wr_id 0x{r.WrId:x}"), r);
            return;
        }

        // A flush storm: label only the first of a burst at the same time on the same QP, with the burst's size.
        var previous = _marks.Count > 0 ? _marks[^1] : null;
        var burst = previous != null && previous.Kind == MarkKind.CompletionFlush && previous.Lane == lane?.Index && Records[previous.Record].TimeNs == r.TimeNs;
        Mark(i, lane, MarkKind.CompletionFlush, burst ? string.Empty : FlushBurst(i, r), r);
    }

    private string FlushBurst(int i, in TraceRecord first)
    {
        var n = 0;
        for (var j = i; j < Records.Count && Records[j].TimeNs == first.TimeNs; j++)
        {
            n += Records[j].Kind == TraceKind.Completion && TimelineText.IsFlush(Records[j].Status) && Records[j].Qp == first.Qp && Records[j].Node == first.Node ? 1 : 0;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{n}× WR_FLUSH_ERR");
    }

    private void AddNote(int i, in TraceRecord r, TimelineLane? home)
    {
        var text = r.Text ?? string.Empty;
        if (r.Op == "log")
        {
            var error = text.Contains("*ERROR*", StringComparison.Ordinal);
            var function = text.Split(':', 2)[0].Replace("[target] ", string.Empty, StringComparison.Ordinal).Replace("[host] ", string.Empty, StringComparison.Ordinal);
            Mark(i, Lanes.Thread(r.Node, r.Thread) ?? home, error ? MarkKind.LogError : MarkKind.Log, error ? function + " *ERROR*" : string.Empty, r);
            return;
        }

        if (r.Node != "harness")
        {
            Mark(i, home, MarkKind.Log, text.Length > 40 ? text[..40] + "…" : text, r);
        }
    }

    private void Tell(in TraceRecord r)
    {
        var at = TimelineText.Time(r.TimeNs);
        if (r.Kind == TraceKind.Fault && !_storyFault)
        {
            _storyFault = true;
            _story.Add(string.Create(CultureInfo.InvariantCulture, $"{at}: fault {r.Op} {r.Status} on {r.Node} QP 0x{r.Qp:x}"));
        }
        else if (r.Kind == TraceKind.Completion && TimelineText.IsError(r.Status) && !TimelineText.IsFlush(r.Status) && !_storyError)
        {
            _storyError = true;
            _story.Add(string.Create(CultureInfo.InvariantCulture, $"{at}: {r.Status} completion of wr_id 0x{r.WrId:x} on {r.Node} QP 0x{r.Qp:x}"));
        }
        else if (r.Kind == TraceKind.Note && r.Op == "log" && r.Text != null && r.Text.Contains("*ERROR*", StringComparison.Ordinal) && !_storyLog)
        {
            _storyLog = true;
            _story.Add($"{at}: {r.Text}");
        }
        else if (r.Kind == TraceKind.Violation)
        {
            _story.Add($"{at}: invariant {r.Op} broken");
        }
    }

    private static string FaultLabel(in TraceRecord r) =>
        string.Create(CultureInfo.InvariantCulture, $"FAULT {r.Op}{(r.Status != null ? " " + TimelineText.Short(r.Status) : string.Empty)}{(r.Arg != 0 ? $" #{r.Arg}" : string.Empty)}");

    private void Mark(int i, TimelineLane? lane, MarkKind kind, string label, in TraceRecord r)
    {
        if (lane != null)
        {
            _marks.Add(new TimelineMark(i, lane.Index, kind, label, TimelineText.Describe(r)));
        }
    }
}
