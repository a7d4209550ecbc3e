namespace Harness.HardwareRunner.Cli;

/// <summary>How <c>harness run</c> shows its progress on stderr.</summary>
public enum RunProgressStyle
{
    /// <summary>Not at all (in-process runs: tests, each seed of a sweep).</summary>
    None,

    /// <summary>A plain line every <see cref="RunProgressOptions.Period"/> of wall time (stderr is not a terminal).</summary>
    Lines,

    /// <summary>A progress bar with the time left, once the run lasts <see cref="RunProgressOptions.BarDelay"/> (stderr is a terminal).</summary>
    Bar,
}
