using Harness.Sim.Tracing;

namespace Harness.HardwareRunner.Render;

/// <summary>
/// Which records of a trace a picture shows. By default the story of the failure: from a little before the first fault
/// or error completion to the violation (or the end); explicit virtual-time bounds override that. When the window holds
/// more than <see cref="TimelineOptions.RecordsMax"/> drawable records, the middle is elided.
/// </summary>
public sealed record TimelineWindow(int Start, int End, int ElideFrom, int ElideTo)
{
    /// <summary>True when <paramref name="index"/> is drawn.</summary>
    public bool Contains(int index) => index >= Start && index <= End && (index < ElideFrom || index > ElideTo);

    /// <summary>Records left out in the middle.</summary>
    public int Elided => ElideTo >= ElideFrom ? ElideTo - ElideFrom + 1 : 0;

    /// <summary>Chooses the window of <paramref name="records"/>.</summary>
    public static TimelineWindow Choose(IReadOnlyList<TraceRecord> records, TimelineOptions options)
    {
        if (records.Count == 0)
        {
            return new TimelineWindow(0, -1, 0, -1);
        }

        var end = records.Count - 1;
        for (var i = records.Count - 1; i >= 0; i--)
        {
            if (records[i].Kind == TraceKind.Violation)
            {
                end = i;
                break;
            }
        }

        var start = Math.Max(0, FirstTrouble(records, end) - options.ContextRecords);
        if (options.FromNs != null || options.UntilNs != null)
        {
            start = FirstAtOrAfter(records, options.FromNs ?? long.MinValue);
            end = Math.Min(end, LastAtOrBefore(records, options.UntilNs ?? long.MaxValue));
        }

        return Elide(records, start, end, options.RecordsMax);
    }

    /// <summary>The first fault or non-flush error completion at or before <paramref name="end"/> (else <paramref name="end"/>).</summary>
    private static int FirstTrouble(IReadOnlyList<TraceRecord> records, int end)
    {
        for (var i = 0; i <= end; i++)
        {
            var r = records[i];
            if (r.Kind == TraceKind.Fault || (r.Kind == TraceKind.Completion && TimelineText.IsError(r.Status) && !TimelineText.IsFlush(r.Status)))
            {
                return i;
            }
        }

        return end;
    }

    private static int FirstAtOrAfter(IReadOnlyList<TraceRecord> records, long ns)
    {
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i].TimeNs >= ns)
            {
                return i;
            }
        }

        return records.Count;
    }

    private static int LastAtOrBefore(IReadOnlyList<TraceRecord> records, long ns)
    {
        for (var i = records.Count - 1; i >= 0; i--)
        {
            if (records[i].TimeNs <= ns)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Keeps the first and last halves of <paramref name="max"/> drawable records.</summary>
    private static TimelineWindow Elide(IReadOnlyList<TraceRecord> records, int start, int end, int max)
    {
        var drawable = new List<int>();
        for (var i = start; i <= end; i++)
        {
            if (TimelineText.IsDrawable(records[i].Kind))
            {
                drawable.Add(i);
            }
        }

        if (drawable.Count <= max)
        {
            return new TimelineWindow(start, end, end + 1, end);
        }

        var half = max / 2;
        return new TimelineWindow(start, end, drawable[half], drawable[drawable.Count - half] - 1);
    }
}
