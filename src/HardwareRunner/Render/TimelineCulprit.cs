using System.Globalization;
using System.Text.RegularExpressions;
using Harness.Sim.Tracing;
using Harness.Transport.Target;

namespace Harness.HardwareRunner.Render;

/// <summary>
/// The request the picture highlights: the one the violation names (<c>request #11 of resources 2</c>), else the one
/// whose work request failed first. Its WRs share wr_ids (SPDK's <c>data_wr</c> and <c>rsp_wr</c>), so the current
/// command's WRs are those posted after the previous command's response.
/// </summary>
public sealed partial class TimelineCulprit
{
    private readonly HashSet<ulong> _wrIds;
    private readonly int _afterRecord;

    private TimelineCulprit(HashSet<ulong> wrIds, int afterRecord, string description)
    {
        _wrIds = wrIds;
        _afterRecord = afterRecord;
        Description = description;
    }

    /// <summary>What is highlighted, in words.</summary>
    public string Description { get; }

    /// <summary>True when the WR posted at <paramref name="postRecord"/> with <paramref name="wrId"/> belongs to the culprit's current command.</summary>
    public bool Owns(ulong wrId, int postRecord) => postRecord > _afterRecord && _wrIds.Contains(wrId);

    /// <summary>Finds the culprit in the window, or null when nothing went wrong.</summary>
    public static TimelineCulprit? Find(IReadOnlyList<TraceRecord> records, TimelineWindow window)
    {
        var firstError = -1;
        string? violation = null;
        for (var i = window.Start; i <= window.End && i < records.Count; i++)
        {
            var r = records[i];
            if (firstError < 0 && r.Kind == TraceKind.Completion && TimelineText.IsError(r.Status) && !TimelineText.IsFlush(r.Status))
            {
                firstError = i;
            }

            violation = r.Kind == TraceKind.Violation ? r.Text : violation;
        }

        if (violation != null && RequestPattern().Match(violation) is { Success: true } m)
        {
            var index = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var resources = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            var ids = new HashSet<ulong> { RdmaWrId.Encode(RdmaWrType.Data, resources, index), RdmaWrId.Encode(RdmaWrType.Send, resources, index) };
            var at = firstError >= 0 && ids.Contains(records[firstError].WrId) ? firstError : window.End;
            return new TimelineCulprit(ids, PreviousResponse(records, ids, at), $"request #{index} of resources {resources} (named by the violation)");
        }

        if (firstError < 0)
        {
            return null;
        }

        var wrId = records[firstError].WrId;
        var set = new HashSet<ulong> { wrId };
        if (RdmaWrId.Type(wrId) == RdmaWrType.Data)
        {
            set.Add(RdmaWrId.Encode(RdmaWrType.Send, RdmaWrId.ResourcesId(wrId), RdmaWrId.Index(wrId)));
        }

        return new TimelineCulprit(set, PreviousResponse(records, set, firstError),
            string.Create(CultureInfo.InvariantCulture, $"wr_id 0x{wrId:x} on {records[firstError].Node} (the first error completion)"));
    }

    /// <summary>The last response SEND of the same request slot posted before <paramref name="at"/> (the previous command), or -1.</summary>
    private static int PreviousResponse(IReadOnlyList<TraceRecord> records, HashSet<ulong> ids, int at)
    {
        for (var i = Math.Min(at, records.Count - 1); i >= 0; i--)
        {
            var r = records[i];
            if (r.Kind == TraceKind.PostSend && r.Op == "SEND" && ids.Contains(r.WrId))
            {
                return i;
            }
        }

        return -1;
    }

    [GeneratedRegex(@"request #(\d+) of resources (\d+)")]
    private static partial Regex RequestPattern();
}
