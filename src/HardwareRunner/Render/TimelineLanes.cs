using System.Globalization;
using System.Text.RegularExpressions;
using Harness.Sim.Tracing;

namespace Harness.HardwareRunner.Render;

/// <summary>
/// The lanes of a timeline, found in the trace: per node its threads, its CM event channel and its QPs. The node that
/// initiated connections (the host) is drawn on top, threads outermost and QPs innermost; the other node is mirrored
/// below, so the QPs of both ends sit next to each other and the work requests cross between them.
/// </summary>
public sealed partial class TimelineLanes
{
    /// <summary>The node name of the harness's own records (workload notes, the verdict): no lanes.</summary>
    public const string HarnessNode = "harness";

    private readonly Dictionary<(string Node, LaneKind Kind, string Name), TimelineLane> _lanes = new();

    private TimelineLanes(List<TimelineLane> ordered)
    {
        All = ordered;
        foreach (var lane in ordered)
        {
            _lanes[(lane.Node, lane.Kind, lane.Name)] = lane;
        }
    }

    /// <summary>Every lane, top to bottom.</summary>
    public IReadOnlyList<TimelineLane> All { get; }

    /// <summary>Finds the lanes used by the records of <paramref name="window"/>.</summary>
    public static TimelineLanes Find(IReadOnlyList<TraceRecord> records, TimelineWindow window)
    {
        var nodes = new List<string>();
        var threads = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var qps = new Dictionary<string, List<uint>>(StringComparer.Ordinal);
        var initiators = new HashSet<string>(StringComparer.Ordinal);
        var peers = new Dictionary<(string, uint), string>();
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            if (r.Kind == TraceKind.CmCall && r.Op == "connect")
            {
                initiators.Add(r.Node);
            }

            if (r.Kind == TraceKind.QpState && r.Op == "RTR" && r.Text != null && DestPattern().Match(r.Text) is { Success: true } m)
            {
                peers[(r.Node, r.Qp)] = m.Groups[1].Value + "/0x" + m.Groups[2].Value;
            }

            if (!window.Contains(i) || !TimelineText.IsDrawable(r.Kind) || r.Node == HarnessNode)
            {
                continue;
            }

            AddOnce(nodes, r.Node);
            if (r.Thread != null)
            {
                AddOnce(Get(threads, r.Node), r.Thread);
            }

            if (r.Qp != 0)
            {
                AddOnce(Get(qps, r.Node), r.Qp);
            }
        }

        var ordered = Order(nodes, initiators, threads, qps);
        foreach (var lane in ordered.Where(l => l.Kind == LaneKind.Qp))
        {
            lane.Peer = peers.GetValueOrDefault((lane.Node, uint.Parse(lane.Name.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        }

        return new TimelineLanes(ordered);
    }

    /// <summary>The lane of a QP, or null.</summary>
    public TimelineLane? Qp(string node, uint qp) => _lanes.GetValueOrDefault((node, LaneKind.Qp, QpName(qp)));

    /// <summary>The lane of a thread, or null.</summary>
    public TimelineLane? Thread(string node, string? thread) => thread == null ? null : _lanes.GetValueOrDefault((node, LaneKind.Thread, thread));

    /// <summary>The node's CM lane.</summary>
    public TimelineLane? Cm(string node) => _lanes.GetValueOrDefault((node, LaneKind.CmChannel, "cm"));

    /// <summary>The lane of the QP connected to <paramref name="lane"/>, or null when unknown or not drawn.</summary>
    public TimelineLane? PeerOf(TimelineLane lane)
    {
        if (lane.Peer == null)
        {
            return null;
        }

        var slash = lane.Peer.IndexOf('/', StringComparison.Ordinal);
        return _lanes.GetValueOrDefault((lane.Peer[..slash], LaneKind.Qp, lane.Peer[(slash + 1)..]));
    }

    /// <summary>The lane a record belongs on: its QP, else its thread, else its node's CM lane.</summary>
    public TimelineLane? Home(in TraceRecord r) => (r.Qp != 0 ? Qp(r.Node, r.Qp) : null) ?? Thread(r.Node, r.Thread) ?? Cm(r.Node);

    private static string QpName(uint qp) => string.Create(CultureInfo.InvariantCulture, $"0x{qp:x}");

    private static List<TimelineLane> Order(List<string> nodes, HashSet<string> initiators, Dictionary<string, List<string>> threads, Dictionary<string, List<uint>> qps)
    {
        // Initiators (hosts) first; otherwise first appearance. Stable, so the order is the trace's.
        var sorted = nodes.Where(initiators.Contains).Concat(nodes.Where(n => !initiators.Contains(n))).ToList();
        var lanes = new List<TimelineLane>();
        for (var n = 0; n < sorted.Count; n++)
        {
            var node = sorted[n];
            var block = new List<(LaneKind Kind, string Name)>();
            block.AddRange(threads.GetValueOrDefault(node, new List<string>()).Select(t => (LaneKind.Thread, t)));
            block.Add((LaneKind.CmChannel, "cm"));
            block.AddRange(qps.GetValueOrDefault(node, new List<uint>()).Order().Select(q => (LaneKind.Qp, QpName(q))));
            if (n % 2 == 1)
            {
                block.Reverse(); // mirrored: QPs face the previous node's QPs
            }

            var first = lanes.Count;
            for (var i = 0; i < block.Count; i++)
            {
                lanes.Add(new TimelineLane(first + i, node, block[i].Kind, block[i].Name));
            }
        }

        return lanes;
    }

    private static List<T> Get<T>(Dictionary<string, List<T>> map, string key)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = new List<T>();
        }

        return list;
    }

    private static void AddOnce<T>(List<T> list, T item)
    {
        if (!list.Contains(item))
        {
            list.Add(item);
        }
    }

    [GeneratedRegex(@"^dest (\S+)/0x([0-9a-f]+)$")]
    private static partial Regex DestPattern();
}
