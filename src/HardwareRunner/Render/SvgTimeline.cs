using System.Globalization;
using System.Text;
using System.Xml;
using Harness.Sim.Files;

namespace Harness.HardwareRunner.Render;

/// <summary>
/// Draws a <see cref="TimelineModel"/> as one SVG: lanes left to right in virtual time, work requests as arrows
/// between the QPs of host and target, completions coloured by status (errors labelled), faults, QP state changes, CM
/// events and error log lines marked, the culprit request's WRs highlighted, the violated invariant in a red box at
/// the end. Every mark carries the full trace record as its hover title. Output is deterministic.
/// </summary>
public sealed class SvgTimeline
{
    public const double LeftPx = 250;
    public const double LaneHeightPx = 28;
    public const double HeaderPx = 150;
    public const double ViolationBoxPx = 430;
    public const double CharPx = 5.8;

    /// <summary>Lines of the story shown in the header.</summary>
    public const int StoryLinesMax = 4;

    /// <summary>Characters per line of the violation box.</summary>
    public const int ViolationLineChars = 70;

    private const string Style = """
        text { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 10px; fill: #222; }
        .title { font-size: 15px; font-weight: bold; } .sub { font-size: 11px; fill: #444; }
        .lane-label { font-size: 11px; } .lane-a { fill: #f7f9fc; } .lane-b { fill: #ffffff; } .node-sep { stroke: #778; stroke-width: 1.5; }
        .tick { stroke: #ccd; stroke-width: 0.5; } .tick-label { font-size: 9px; fill: #667; } .break { font-size: 9px; fill: #a60; }
        .wr { stroke-width: 1; fill: none; opacity: 0.75; } .wr-send { stroke: #3465a4; } .wr-read { stroke: #2e8b57; } .wr-write { stroke: #75507b; }
        .wr.failed { stroke: #cc0000; stroke-dasharray: 3 2; opacity: 0.9; } .wr.culprit { stroke: #ff6a00; stroke-width: 2.6; opacity: 1; }
        .completion.ok { fill: #4e9a06; } .completion.error { fill: #cc0000; stroke: #600; stroke-width: 1; } .completion.flush { fill: #ad7fa8; }
        .fault { fill: #ffdd00; stroke: #a00; stroke-width: 1.2; } .retry { stroke: #999; stroke-width: 1; }
        .qp-state { fill: #555; } .qp-error { fill: #cc0000; } .cm-event { fill: #204a87; } .cm-call { fill: #5c3566; }
        .post { stroke: #888; stroke-width: 1; } .log { fill: #888; } .log.error { fill: #cc0000; }
        .label { font-size: 9.5px; } .label.important { font-weight: bold; fill: #a00; }
        .violation rect { fill: #fff0f0; stroke: #cc0000; stroke-width: 2; } .violation text { fill: #800; } .violation .head { font-size: 13px; font-weight: bold; }
        .violation-line { stroke: #cc0000; stroke-width: 3; opacity: 0.6; } .culprit-label { fill: #c45000; font-weight: bold; }
        """;

    private readonly TimelineModel _model;
    private readonly TimelineOptions _options;
    private readonly TimeAxis _axis;
    private readonly Dictionary<(int Lane, int Row), double> _labelEnd = new();

    public SvgTimeline(TimelineModel model, TimelineOptions options)
    {
        _model = model;
        _options = options;
        _axis = new TimeAxis(model, LeftPx + 20);
    }

    /// <summary>Width of the picture.</summary>
    public double Width => _axis.Right + 60 + ViolationBoxPx;

    /// <summary>Height of the picture.</summary>
    public double Height => LanesBottom + 110;

    private double LanesBottom => HeaderPx + (_model.Lanes.All.Count * LaneHeightPx);

    /// <summary>Writes the SVG document (or an HTML page around it) to <paramref name="output"/>.</summary>
    public void Write(Stream output, bool html)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), OmitXmlDeclaration = html };
        if (html)
        {
            output.Write("<!DOCTYPE html>\n"u8);
        }

        using var w = XmlWriter.Create(output, settings);
        if (html)
        {
            w.WriteStartElement("html");
            w.WriteStartElement("head");
            w.WriteStartElement("meta");
            w.WriteAttributeString("charset", "utf-8");
            w.WriteEndElement();
            w.WriteElementString("title", PrintableText.Escape($"harness render: {_options.Title}"));
            w.WriteEndElement();
            w.WriteStartElement("body");
        }

        WriteSvg(w);
        if (html)
        {
            w.WriteEndElement();
            w.WriteEndElement();
        }
    }

    private void WriteSvg(XmlWriter w)
    {
        w.WriteStartElement("svg", "http://www.w3.org/2000/svg");
        w.WriteAttributeString("width", F(Width));
        w.WriteAttributeString("height", F(Height));
        w.WriteAttributeString("viewBox", $"0 0 {F(Width)} {F(Height)}");
        w.WriteElementString("title", PrintableText.Escape($"harness render: {_options.Title}"));
        w.WriteElementString("style", Style);
        Defs(w);
        Header(w);
        Lanes(w);
        Axis(w);
        foreach (var arrow in _model.Arrows.Where(a => !a.Highlight))
        {
            Arrow(w, arrow);
        }

        foreach (var arrow in _model.Arrows.Where(a => a.Highlight))
        {
            Arrow(w, arrow); // on top
        }

        foreach (var mark in _model.Marks)
        {
            Mark(w, mark);
        }

        Violation(w);
        Legend(w);
        w.WriteEndElement();
    }

    private static void Defs(XmlWriter w)
    {
        w.WriteStartElement("defs");
        foreach (var (id, colour) in new[] { ("arrow", "#555"), ("arrow-culprit", "#ff6a00"), ("arrow-failed", "#cc0000") })
        {
            w.WriteStartElement("marker");
            w.WriteAttributeString("id", id);
            w.WriteAttributeString("viewBox", "0 0 10 10");
            w.WriteAttributeString("refX", "9");
            w.WriteAttributeString("refY", "5");
            w.WriteAttributeString("markerWidth", "6");
            w.WriteAttributeString("markerHeight", "6");
            w.WriteAttributeString("orient", "auto-start-reverse");
            w.WriteStartElement("path");
            w.WriteAttributeString("d", "M 0 0 L 10 5 L 0 10 z");
            w.WriteAttributeString("fill", colour);
            w.WriteEndElement();
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }

    private void Header(XmlWriter w)
    {
        var m = _model;
        Text(w, 10, 22, "title", $"harness render: {_options.Title}");
        Text(w, 10, 40, "sub", m.Workload ?? "(no workload line in the trace)");
        var first = m.Window.Start < m.Records.Count && m.Window.End >= m.Window.Start ? m.Records[m.Window.Start].TimeNs : 0;
        var last = m.Window.End >= 0 && m.Window.End < m.Records.Count ? m.Records[m.Window.End].TimeNs : 0;
        Text(w, 10, 56, "sub", string.Create(CultureInfo.InvariantCulture,
            $"records {m.Window.Start + 1}..{m.Window.End + 1} of {m.Records.Count} ({TimelineText.Time(first)} .. {TimelineText.Time(last)}){(m.Window.Elided > 0 ? $", {m.Window.Elided} elided in the middle" : string.Empty)}"));
        Text(w, 10, 72, "sub verdict", m.Violation == null ? "result: no invariant broken in this trace" : $"result: INVARIANT BROKEN: {m.Violation.Invariant}");
        if (m.Culprit != null)
        {
            Text(w, 10, 86, "sub culprit-label", $"highlighted (thick orange): {m.Culprit}");
        }

        for (var i = 0; i < Math.Min(m.Story.Count, StoryLinesMax); i++)
        {
            if (i == 0)
            {
                Text(w, 10, 102, "sub story", "story:");
            }

            Text(w, 60, 102 + (i * 12), "sub story", m.Story[i]);
        }
    }

    private void Lanes(XmlWriter w)
    {
        var lanes = _model.Lanes.All;
        for (var i = 0; i < lanes.Count; i++)
        {
            var y = HeaderPx + (i * LaneHeightPx);
            Rect(w, 0, y, Width, LaneHeightPx, i % 2 == 0 ? "lane-a" : "lane-b");
            Text(w, 8, y + (LaneHeightPx / 2) + 4, "lane-label", lanes[i].Label);
            if (i > 0 && lanes[i].Node != lanes[i - 1].Node)
            {
                Line(w, 0, y, Width, y, "node-sep");
            }
        }
    }

    private void Axis(XmlWriter w)
    {
        var bottom = LanesBottom;
        var lastLabel = double.MinValue;
        foreach (var (x, t) in _axis.Ticks)
        {
            if (x - lastLabel < 110)
            {
                continue;
            }

            lastLabel = x;
            Line(w, x, HeaderPx, x, bottom, "tick");
            Text(w, x + 2, bottom + 12, "tick-label", TimelineText.Time(t));
        }

        foreach (var (x, label) in _axis.Breaks)
        {
            Text(w, x - (label.Length * 2.5), HeaderPx - 4, "break", label);
        }
    }

    private void Arrow(XmlWriter w, TimelineArrow a)
    {
        var x1 = _axis.X(a.FromRecord);
        var x2 = Math.Max(_axis.X(a.ToRecord), x1 + 2);
        var y1 = LaneY(a.FromLane);
        var y2 = LaneY(a.ToLane) + (a.ToLane == a.FromLane ? 0 : a.ToLane > a.FromLane ? -6 : 6);
        var failed = TimelineText.IsError(a.Status);
        var cls = "wr " + (a.Op.StartsWith("SEND", StringComparison.Ordinal) ? "wr-send" : a.Op == "RDMA_READ" ? "wr-read" : "wr-write")
            + (failed ? " failed" : string.Empty) + (a.Highlight ? " culprit" : string.Empty);
        w.WriteStartElement("line");
        w.WriteAttributeString("class", cls);
        Attr(w, "x1", x1);
        Attr(w, "y1", y1);
        Attr(w, "x2", x2);
        Attr(w, "y2", y2);
        w.WriteAttributeString("marker-end", a.Highlight ? "url(#arrow-culprit)" : failed ? "url(#arrow-failed)" : "url(#arrow)");
        w.WriteElementString("title", PrintableText.Escape(a.Title));
        w.WriteEndElement();
    }

    private void Mark(XmlWriter w, TimelineMark m)
    {
        var x = _axis.X(m.Record);
        var y = LaneY(m.Lane);
        var (cls, important) = Shape(w, m.Kind, x, y);
        w.WriteElementString("title", PrintableText.Escape(m.Title));
        w.WriteEndElement();
        if (m.Label.Length > 0)
        {
            Label(w, m, x, y, cls, important);
        }
    }

    /// <summary>Starts the mark's element (left open for its title); returns its class and whether its label must show.</summary>
    private static (string Class, bool Important) Shape(XmlWriter w, MarkKind kind, double x, double y)
    {
        switch (kind)
        {
            case MarkKind.Post:
                StartLine(w, x, y - 5, x, y + 5, "post");
                return ("post", false);
            case MarkKind.Retry:
                StartLine(w, x - 3, y - 3, x + 3, y + 3, "retry");
                return ("retry", false);
            case MarkKind.Fault:
                StartPath(w, $"M {F(x)} {F(y - 9)} L {F(x + 7)} {F(y + 6)} L {F(x - 7)} {F(y + 6)} z", "fault");
                return ("fault", true);
            case MarkKind.CompletionError:
                StartCircle(w, x, y, 6, "completion error");
                return ("completion error", true);
            case MarkKind.CompletionFlush:
                StartCircle(w, x, y, 2.5, "completion flush");
                return ("completion flush", false);
            case MarkKind.CompletionOk:
                StartCircle(w, x, y, 2, "completion ok");
                return ("completion ok", false);
            case MarkKind.QpError or MarkKind.QpState:
                var error = kind == MarkKind.QpError;
                StartRect(w, x - 3, y - 3, 6, 6, error ? "qp-error" : "qp-state");
                return (error ? "qp-error" : "qp-state", error);
            case MarkKind.CmEvent or MarkKind.CmCall:
                var cm = kind == MarkKind.CmEvent ? "cm-event" : "cm-call";
                StartPath(w, $"M {F(x)} {F(y - 5)} L {F(x + 5)} {F(y)} L {F(x)} {F(y + 5)} L {F(x - 5)} {F(y)} z", cm);
                return (cm, false);
            default:
                var logError = kind == MarkKind.LogError;
                StartRect(w, x - 2, y - 6, 4, 12, logError ? "log error" : "log");
                return (logError ? "log error" : "log", logError);
        }
    }

    /// <summary>Places a label above or below the mark where it does not overlap the previous one (important labels always show).</summary>
    private void Label(XmlWriter w, TimelineMark m, double x, double y, string cls, bool important)
    {
        var width = m.Label.Length * CharPx;
        var row = -1;
        for (var r = 0; r < 2 && row < 0; r++)
        {
            row = _labelEnd.GetValueOrDefault((m.Lane, r), double.MinValue) < x ? r : -1;
        }

        if (row < 0 && !important)
        {
            return;
        }

        row = row < 0 ? (_labelEnd.GetValueOrDefault((m.Lane, 0)) <= _labelEnd.GetValueOrDefault((m.Lane, 1)) ? 0 : 1) : row;
        _labelEnd[(m.Lane, row)] = x + 6 + width;
        Text(w, x + 6, row == 0 ? y - 4 : y + 11, "label label-" + cls.Split(" ")[0] + (important ? " important" : string.Empty), m.Label);
    }

    private void Violation(XmlWriter w)
    {
        var v = _model.Violation;
        if (v == null)
        {
            return;
        }

        var x = _axis.X(v.Record);
        w.WriteStartElement("g");
        w.WriteAttributeString("class", "violation");
        w.WriteAttributeString("id", "violation");
        Line(w, x, HeaderPx, x, LanesBottom, "violation-line");
        var lines = Wrap(v.Detail, ViolationLineChars);
        var boxX = x + 20;
        var boxY = HeaderPx + 6;
        Rect(w, boxX, boxY, ViolationBoxPx, 26 + (lines.Count * 13), string.Empty);
        Text(w, boxX + 8, boxY + 17, "head", $"INVARIANT BROKEN: {v.Invariant}");
        for (var i = 0; i < lines.Count; i++)
        {
            Text(w, boxX + 8, boxY + 32 + (i * 13), string.Empty, lines[i]);
        }

        w.WriteEndElement();
    }

    private void Legend(XmlWriter w)
    {
        var y = LanesBottom + 36;
        var items = new (string Class, string Text)[]
        {
            ("wr wr-send", "SEND"), ("wr wr-read", "RDMA_READ (host data → target)"), ("wr wr-write", "RDMA_WRITE"),
            ("wr failed", "WR that completed in error"), ("wr culprit", "the highlighted request's WRs"),
        };
        var x = 10.0;
        foreach (var (cls, text) in items)
        {
            Line(w, x, y, x + 26, y, cls);
            Text(w, x + 32, y + 4, string.Empty, text);
            x += 50 + (text.Length * CharPx);
        }

        Text(w, 10, y + 22, string.Empty,
            "● green: completion ok   ● red: error completion (labelled)   ● violet: WR_FLUSH_ERR   ▲ yellow: injected fault   ■ QP state (red: ERR)   ◆ CM event / call   ▮ log line (red: *ERROR*)   × retry   | post (thread lane)");
        Text(w, 10, y + 38, string.Empty, "The axis is logarithmic in the time between records; long gaps are marked with their length. Hover over anything for its trace record.");
    }

    private double LaneY(int lane) => HeaderPx + (lane * LaneHeightPx) + (LaneHeightPx / 2);

    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : string.Empty).Append(word);
        }

        if (line.Length > 0)
        {
            lines.Add(line.ToString());
        }

        return lines;
    }

    private static void Text(XmlWriter w, double x, double y, string cls, string text)
    {
        w.WriteStartElement("text");
        if (cls.Length > 0)
        {
            w.WriteAttributeString("class", cls);
        }

        Attr(w, "x", x);
        Attr(w, "y", y);
        w.WriteString(PrintableText.Escape(text));
        w.WriteEndElement();
    }

    private static void Rect(XmlWriter w, double x, double y, double width, double height, string cls)
    {
        StartRect(w, x, y, width, height, cls);
        w.WriteEndElement();
    }

    private static void Line(XmlWriter w, double x1, double y1, double x2, double y2, string cls)
    {
        StartLine(w, x1, y1, x2, y2, cls);
        w.WriteEndElement();
    }

    private static void StartRect(XmlWriter w, double x, double y, double width, double height, string cls)
    {
        w.WriteStartElement("rect");
        if (cls.Length > 0)
        {
            w.WriteAttributeString("class", cls);
        }

        Attr(w, "x", x);
        Attr(w, "y", y);
        Attr(w, "width", width);
        Attr(w, "height", height);
    }

    private static void StartLine(XmlWriter w, double x1, double y1, double x2, double y2, string cls)
    {
        w.WriteStartElement("line");
        w.WriteAttributeString("class", cls);
        Attr(w, "x1", x1);
        Attr(w, "y1", y1);
        Attr(w, "x2", x2);
        Attr(w, "y2", y2);
    }

    private static void StartCircle(XmlWriter w, double x, double y, double r, string cls)
    {
        w.WriteStartElement("circle");
        w.WriteAttributeString("class", cls);
        Attr(w, "cx", x);
        Attr(w, "cy", y);
        Attr(w, "r", r);
    }

    private static void StartPath(XmlWriter w, string d, string cls)
    {
        w.WriteStartElement("path");
        w.WriteAttributeString("class", cls);
        w.WriteAttributeString("d", d);
    }

    private static void Attr(XmlWriter w, string name, double value) => w.WriteAttributeString(name, F(value));

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
