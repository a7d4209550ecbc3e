using System.Globalization;
using Harness.Sim.Tracing;

namespace Harness.HardwareRunner.Render;

/// <summary>
/// Matches work requests to what became of them: a completion on the poster's QP (RC completes in posting order, so
/// the oldest outstanding WR with that wr_id; older unsignaled ones completed silently), and for a SEND the peer's
/// receive completion (RC delivers in order, so the oldest SEND in flight towards that QP).
/// </summary>
internal sealed class WrMatcher(TimelineLanes lanes)
{
    private readonly List<Wr> _all = new();
    private readonly Dictionary<int, List<Wr>> _outstanding = new();
    private readonly Dictionary<int, List<Wr>> _sendsInFlight = new();

    public void Posted(int index, in TraceRecord r)
    {
        var lane = lanes.Qp(r.Node, r.Qp);
        if (lane == null)
        {
            return;
        }

        var wr = new Wr(index, lane, r.Op ?? "?", r.WrId);
        _all.Add(wr);
        Get(_outstanding, lane.Index).Add(wr);
        if (wr.Op.StartsWith("SEND", StringComparison.Ordinal))
        {
            Get(_sendsInFlight, lane.Index).Add(wr);
        }
    }

    public void Completed(int index, in TraceRecord r)
    {
        var lane = lanes.Qp(r.Node, r.Qp);
        if (lane == null)
        {
            return;
        }

        var outstanding = Get(_outstanding, lane.Index);
        var wrId = r.WrId;
        var at = outstanding.FindIndex(w => w.WrId == wrId);
        if (r.Op == "RECV" || at < 0)
        {
            Received(index, lane, r);
            return;
        }

        var wr = outstanding[at];
        outstanding.RemoveRange(0, at + 1);
        wr.Completion = index;
        wr.Status = r.Status;
        Get(_sendsInFlight, lane.Index).Remove(wr); // a SEND not delivered by now never will be
    }

    /// <summary>Every matched WR as an arrow in its data's direction.</summary>
    public IEnumerable<TimelineArrow> Arrows(TimelineCulprit? culprit)
    {
        for (var k = 0; k < _all.Count; k++)
        {
            var wr = _all[k];
            var peer = lanes.PeerOf(wr.Lane) ?? wr.Lane;
            var read = wr.Op == "RDMA_READ";
            var end = wr.Arrival ?? wr.Completion ?? ChainEnd(k) ?? wr.Post;
            var title = string.Create(CultureInfo.InvariantCulture,
                $"{wr.Op} wr_id 0x{wr.WrId:x} from {wr.Lane.Label}: {(wr.Status ?? (wr.Completion == null ? "no completion (unsignaled, or still in flight)" : "?"))}");
            yield return new TimelineArrow(wr.Post, end, read ? peer.Index : wr.Lane.Index, read ? wr.Lane.Index : peer.Index, wr.Op, wr.WrId, wr.Status,
                culprit?.Owns(wr.WrId, wr.Post) == true, title);
        }
    }

    private void Received(int index, TimelineLane lane, in TraceRecord r)
    {
        if (TimelineText.IsError(r.Status) || lanes.PeerOf(lane) is not { } peer)
        {
            return;
        }

        var inFlight = Get(_sendsInFlight, peer.Index);
        if (inFlight.Count > 0)
        {
            inFlight[0].Arrival = index;
            inFlight.RemoveAt(0);
        }
    }

    /// <summary>An unsignaled WRITE ends where the SEND it is chained to (the next SEND on its QP) arrived.</summary>
    private int? ChainEnd(int k)
    {
        for (var j = k + 1; j < _all.Count; j++)
        {
            if (_all[j].Lane == _all[k].Lane && _all[j].Op.StartsWith("SEND", StringComparison.Ordinal))
            {
                return _all[j].Arrival ?? _all[j].Completion;
            }
        }

        return null;
    }

    private static List<Wr> Get(Dictionary<int, List<Wr>> map, int key)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = new List<Wr>();
        }

        return list;
    }

    private sealed class Wr(int post, TimelineLane lane, string op, ulong wrId)
    {
        public int Post { get; } = post;

        public TimelineLane Lane { get; } = lane;

        public string Op { get; } = op;

        public ulong WrId { get; } = wrId;

        public int? Arrival { get; set; }

        public int? Completion { get; set; }

        public string? Status { get; set; }
    }
}
