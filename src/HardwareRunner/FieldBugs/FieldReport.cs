namespace Harness.HardwareRunner.FieldBugs;

/// <summary>
/// What <see cref="SpdkLogParser"/> and <see cref="NicCounterFile"/> made of a field report: the failures in log order,
/// the NIC counters, and what was not understood (counted, a few kept with their line numbers; never fatal).
/// </summary>
public sealed class FieldReport
{
    /// <summary>Unknown lines kept as examples.</summary>
    public const int UnknownSamplesMax = 5;

    public List<FieldEvent> Events { get; } = new();

    /// <summary>Lines read.</summary>
    public int Lines { get; set; }

    /// <summary>Recognised SPDK lines that are not failures (notices, debug lines of normal operation).</summary>
    public int Benign { get; set; }

    /// <summary>WR_FLUSH_ERR completions logged before any error (nothing to attach them to).</summary>
    public int OrphanFlushes { get; set; }

    /// <summary>Lines that are not SPDK log lines this importer knows.</summary>
    public int Unknown { get; set; }

    /// <summary>The first <see cref="UnknownSamplesMax"/> unknown lines (line number, text).</summary>
    public List<(int Line, string Text)> UnknownSamples { get; } = new();

    /// <summary>NIC counters (name → value) from the counters file, if given.</summary>
    public SortedDictionary<string, long> Counters { get; } = new(StringComparer.Ordinal);

    /// <summary>Counter lines that were not <c>name value</c>.</summary>
    public int UnknownCounterLines { get; set; }

    /// <summary>Non-flush error completions, in log order.</summary>
    public IEnumerable<FieldEvent> WcErrors => Events.Where(e => e.Kind == FieldEventKind.WcError);

    /// <summary>Flush completions logged in all.</summary>
    public int Flushes => WcErrors.Sum(e => e.Flushes) + OrphanFlushes;

    /// <summary>A counter's value, 0 when absent.</summary>
    public long Counter(string name) => Counters.GetValueOrDefault(name);

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
