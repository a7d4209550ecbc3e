namespace Harness.HardwareRunner.Render;

/// <summary>What <c>harness render</c> draws.</summary>
public sealed record TimelineOptions
{
    /// <summary>Default of <see cref="ContextRecords"/>.</summary>
    public const int ContextRecordsDefault = 300;

    /// <summary>Default of <see cref="RecordsMax"/>.</summary>
    public const int RecordsMaxDefault = 4000;

    /// <summary>Largest <see cref="RecordsMax"/> (the picture's width grows with the records drawn).</summary>
    public const int RecordsMaxLimit = 1_000_000;

    /// <summary>Smallest <see cref="RecordsMax"/> (the first and the last record).</summary>
    public const int RecordsMaxMin = 2;

    /// <summary>Latest window bound in µs: a trace's times are 64-bit nanoseconds (about 9.2e15 µs).</summary>
    public const double TimeUsMax = 9e15;

    /// <summary>Records shown before the first fault or error completion.</summary>
    public int ContextRecords { get; init; } = ContextRecordsDefault;

    /// <summary>Drawable records at most (the middle of a longer window is elided).</summary>
    public int RecordsMax { get; init; } = RecordsMaxDefault;

    /// <summary>Virtual time the window starts at (overrides the automatic choice).</summary>
    public long? FromNs { get; init; }

    /// <summary>Virtual time the window ends at.</summary>
    public long? UntilNs { get; init; }

    /// <summary>Name of the trace (the picture's title).</summary>
    public string Title { get; init; } = "trace";
}
