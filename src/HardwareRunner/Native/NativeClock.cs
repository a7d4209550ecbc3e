using System.Diagnostics;
using Harness.Transport.Threading;

namespace Harness.HardwareRunner.Native;

/// <summary>The machine's monotonic clock (<see cref="Stopwatch"/>), in nanoseconds.</summary>
public sealed class NativeClock : IClock
{
    private static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;

    /// <inheritdoc/>
    public long NowNs => (long)(Stopwatch.GetTimestamp() * NsPerTick);
}
