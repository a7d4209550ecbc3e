namespace Harness.Tests.Properties.Cli;

/// <summary>A wall clock for tests that moves on by <c>step</c> every time it is read: elapsed times are then known exactly.</summary>
internal sealed class SteppingClock(TimeSpan step) : TimeProvider
{
    private long _ticks;

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks) - step.Ticks;
}
