using System.Globalization;

namespace Harness.HardwareRunner.FieldBugs;

/// <summary>
/// What <see cref="SpdkLogParser"/> and <see cref="NicCounterFile"/> made of a field report: the failures in time
/// order (log order when the lines carry no timestamps), the NIC counters, and what was not understood (counted, a few
/// kept with their line numbers; never fatal). Every bound (<see cref="EventsMax"/>, <see cref="UnknownSamplesMax"/>,
/// a counter's range) keeps the full count, so what is printed can say it was capped.
/// </summary>
public sealed class FieldReport
{
    /// <summary>Unknown lines kept as examples.</summary>
    public const int UnknownSamplesMax = 5;

    /// <summary>Events kept at most (a log of a flapping cluster may hold millions); the rest are counted.</summary>
    public const int EventsMax = 10_000;

    private readonly int[] _seen = new int[Enum.GetValues<FieldEventKind>().Length];
    private readonly FieldEvent?[] _lastError = new FieldEvent?[2];
    private readonly bool[] _lastErrorDropped = new bool[2];

    public List<FieldEvent> Events { get; } = new();

    /// <summary>Lines read.</summary>
    public int Lines { get; set; }

    /// <summary>Lines longer than <see cref="SpdkLogParser.LineCharsMax"/> (read cut).</summary>
    public int CutLines { get; set; }

    /// <summary>Recognised SPDK lines that are not failures (notices, debug lines of normal operation).</summary>
    public int Benign { get; set; }

    /// <summary>WR_FLUSH_ERR completions logged before any error (nothing to attach them to).</summary>
    public int OrphanFlushes { get; set; }

    /// <summary>WR_FLUSH_ERR completions after an error that was not kept (<see cref="EventsMax"/>).</summary>
    public int UnkeptFlushes { get; private set; }

    /// <summary>Lines that are not SPDK log lines this importer knows.</summary>
    public int Unknown { get; set; }

    /// <summary>True when the events were put in timestamp order because the log's lines were not.</summary>
    public bool Reordered { get; private set; }

    /// <summary>The first <see cref="UnknownSamplesMax"/> unknown lines (line number, text).</summary>
    public List<(int Line, string Text)> UnknownSamples { get; } = new();

    /// <summary>NIC counters (name → value) from the counters file, if given.</summary>
    public SortedDictionary<string, long> Counters { get; } = new(StringComparer.Ordinal);

    /// <summary>Counters whose sum exceeded the largest value kept (<see cref="long.MaxValue"/>).</summary>
    public SortedSet<string> SaturatedCounters { get; } = new(StringComparer.Ordinal);

    /// <summary>Counter lines that were not <c>name value</c>.</summary>
    public int UnknownCounterLines { get; set; }

    /// <summary>Non-flush error completions kept, in order.</summary>
    public IEnumerable<FieldEvent> WcErrors => Events.Where(e => e.Kind == FieldEventKind.WcError);

    /// <summary>Flush completions logged in all.</summary>
    public int Flushes => WcErrors.Sum(e => e.Flushes) + OrphanFlushes + UnkeptFlushes;

    /// <summary>Events of <paramref name="kind"/> recognised in all (kept or not).</summary>
    public int Seen(FieldEventKind kind) => _seen[(int)kind];

    /// <summary>Events of <paramref name="kind"/> kept.</summary>
    public int Kept(FieldEventKind kind) => Events.Count(e => e.Kind == kind);

    /// <summary>The count of <paramref name="kind"/> as printed: <c>10000 (capped; the log has 50000)</c> when capped.</summary>
    public string CountOf(FieldEventKind kind) => Counts.Capped(Kept(kind), Seen(kind), "the log has");

    /// <summary>A counter's value as printed: <c>9223372036854775807 (capped; the input has more)</c> when it saturated.</summary>
    public string CounterText(string name) => SaturatedCounters.Contains(name)
        ? Counter(name).ToString(CultureInfo.InvariantCulture) + " (capped; the input has more)"
        : Counter(name).ToString(CultureInfo.InvariantCulture);

    /// <summary>A counter's value, 0 when absent.</summary>
    public long Counter(string name) => Counters.GetValueOrDefault(name);

    /// <summary>Adds a recognised failure (kept while fewer than <see cref="EventsMax"/> are; always counted).</summary>
    public void Add(FieldEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        _seen[(int)e.Kind]++;
        var kept = Events.Count < EventsMax;
        if (kept)
        {
            Events.Add(e);
        }

        if (e.Kind == FieldEventKind.WcError)
        {
            _lastError[(int)e.Side] = kept ? e : null;
            _lastErrorDropped[(int)e.Side] = !kept;
        }
    }

    /// <summary>Attaches a WR_FLUSH_ERR completion of WR type <paramref name="type"/> to the error before it on the same side.</summary>
    public void AddFlush(FieldSide side, string type)
    {
        if (_lastErrorDropped[(int)side])
        {
            UnkeptFlushes++;
        }
        else if (_lastError[(int)side] is not { } owner)
        {
            OrphanFlushes++;
        }
        else if (type == "RECV")
        {
            owner.FlushedRecvs++;
        }
        else
        {
            owner.FlushedSends++;
        }
    }

    /// <summary>Adds <paramref name="value"/> to counter <paramref name="name"/> (a counter seen twice is summed; the sum saturates).</summary>
    public void AddCounter(string name, long value)
    {
        var sum = Counters.GetValueOrDefault(name);
        if (sum > long.MaxValue - value)
        {
            SaturatedCounters.Add(name);
            sum = long.MaxValue;
        }
        else
        {
            sum += value;
        }

        Counters[name] = sum;
    }

    /// <summary>
    /// Puts the events in timestamp order when every one has a timestamp and the log's lines were not in that order
    /// (a host and a target log pasted together, lines flushed late); stable, so equal times keep the log's order.
    /// </summary>
    public void OrderByTime()
    {
        if (Events.Count < 2 || Events.Any(e => e.Time == null))
        {
            return;
        }

        var sorted = Events.OrderBy(e => e.Time!.Value).ToList();
        if (!sorted.SequenceEqual(Events))
        {
            Events.Clear();
            Events.AddRange(sorted);
            Reordered = true;
        }
    }

    /// <summary>Records an unknown line.</summary>
    public void AddUnknown(int line, string text)
    {
        Unknown++;
        if (UnknownSamples.Count < UnknownSamplesMax)
        {
            UnknownSamples.Add((line, text.Length > 160 ? text[..160] + "…" : text));
        }
    }
}
