namespace Harness.HardwareRunner.Render;

/// <summary>What <c>harness render</c> draws.</summary>
public sealed record TimelineOptions
{
    /// <summary>Default of <see cref="ContextRecords"/>.</summary>
    public const int ContextRecordsDefault = 300;

    /// <summary>Default of <see cref="RecordsMax"/>.</summary>
    public const int RecordsMaxDefault = 4000;

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
