using System.Diagnostics;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// Measures the steady state of a run: between <see cref="StartFraction"/> and <see cref="EndFraction"/> of the I/Os
/// done (connect and teardown excluded), wall time, managed bytes allocated by the simulation's thread
/// (<c>GC.GetAllocatedBytesForCurrentThread()</c>: the progress display allocates its lines on its own thread, off the
/// hot path) and simulated events. <see cref="Observe"/> is called between events: two comparisons unless a boundary is crossed.
/// </summary>
internal sealed class SteadyStateMeter
{
    public const double StartFraction = 0.1;
    public const double EndFraction = 0.9;

    private readonly long _startAt;
    private readonly long _endAt;
    private long _startTicks;
    private long _startBytes;
    private long _startDone;
    private long _startEvents;
    private long _endTicks;
    private long _endBytes;
    private long _endDone;
    private long _endEvents;
    private int _phase;

    public SteadyStateMeter(long ios)
    {
        _startAt = Math.Max(1, (long)(ios * StartFraction));
        _endAt = Math.Max(_startAt + 1, (long)(ios * EndFraction));
    }

    /// <summary>True when both boundaries were crossed.</summary>
    public bool Measured => _phase == 2 && _endDone > _startDone;

    /// <summary>I/Os in the window.</summary>
    public long Ios => _endDone - _startDone;

    /// <summary>I/Os per second of wall time in the window.</summary>
    public double IosPerSecond => Ios / Math.Max(Seconds, 1e-9);

    /// <summary>Managed bytes allocated per I/O in the window.</summary>
    public double BytesPerIo => (double)(_endBytes - _startBytes) / Math.Max(1, Ios);

    /// <summary>Simulated events per second of wall time in the window.</summary>
    public double EventsPerSecond => (_endEvents - _startEvents) / Math.Max(Seconds, 1e-9);

    private double Seconds => (double)(_endTicks - _startTicks) / Stopwatch.Frequency;

    /// <summary>Notes progress: <paramref name="done"/> I/Os finished, <paramref name="events"/> simulated so far.</summary>
    public void Observe(long done, long events)
    {
        if (_phase == 0 && done >= _startAt)
        {
            _phase = 1;
            (_startDone, _startEvents, _startBytes) = (done, events, GC.GetAllocatedBytesForCurrentThread());
            _startTicks = Stopwatch.GetTimestamp();
        }
        else if (_phase == 1 && done >= _endAt)
        {
            _endTicks = Stopwatch.GetTimestamp();
            _phase = 2;
            (_endDone, _endEvents, _endBytes) = (done, events, GC.GetAllocatedBytesForCurrentThread());
        }
    }
}
