namespace Harness.HardwareRunner.Cli;

/// <summary>How and how often <c>harness run</c> shows its progress (<see cref="RunProgress"/>); wall time, never the simulation's.</summary>
public sealed record RunProgressOptions
{
    /// <summary>Seconds of wall time between two plain progress lines: shorter runs print none.</summary>
    public const int ProgressPeriodSeconds = 10;

    /// <summary>Seconds of wall time before the progress bar appears: shorter runs draw none.</summary>
    public const int BarDelaySeconds = 1;

    /// <summary>No progress at all.</summary>
    public static RunProgressOptions None { get; } = new() { Style = RunProgressStyle.None };

    public RunProgressStyle Style { get; init; } = RunProgressStyle.Lines;

    /// <summary>Wall time between two plain lines.</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(ProgressPeriodSeconds);

    /// <summary>Wall time before the bar appears.</summary>
    public TimeSpan BarDelay { get; init; } = TimeSpan.FromSeconds(BarDelaySeconds);

    /// <summary>The wall clock the rate and the time left are measured with (tests substitute one).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>A bar on a terminal (<paramref name="interactive"/>), plain lines otherwise.</summary>
    public static RunProgressOptions For(bool interactive) => new() { Style = interactive ? RunProgressStyle.Bar : RunProgressStyle.Lines };
}
