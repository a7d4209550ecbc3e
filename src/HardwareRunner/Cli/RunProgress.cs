using System.Globalization;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// The progress of a long <c>harness run</c> on stderr, from its own thread: a bar with the time left on a terminal
/// (<see cref="TerminalProgress"/>, as <c>harness sweep</c> draws it), else a plain line every
/// <see cref="RunProgressOptions.Period"/> of wall time (I/Os done, rate, time left); nothing for a run shorter than
/// that. It only reads the I/O counter the workload keeps anyway: the simulation's thread runs exactly the same events
/// with or without it, allocates nothing for it and never sees the wall clock, so stdout and the trace stay the same.
/// </summary>
internal sealed class RunProgress : IDisposable
{
    private readonly RunProgressOptions _o;
    private readonly TextWriter _stderr;
    private readonly Func<long> _done;
    private readonly long _total;
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread? _thread;

    private RunProgress(RunProgressOptions o, TextWriter stderr, Func<long> done, long total)
    {
        _o = o;
        _stderr = stderr;
        _done = done;
        _total = total;
        if (o.Style != RunProgressStyle.None)
        {
            _thread = new Thread(o.Style == RunProgressStyle.Bar ? Bar : Lines) { IsBackground = true, Name = "harness run progress" };
            _thread.Start();
        }
    }

    /// <summary>Starts showing the progress of <paramref name="done"/> of <paramref name="total"/> I/Os until disposed.</summary>
    public static RunProgress Start(RunProgressOptions options, TextWriter stderr, Func<long> done, long total) => new(options, stderr, done, total);

    /// <summary>One plain progress line: <c>run: 120000/2000000 I/Os (6.0%) in 20 s, 6000 I/Os/s, about 5 min 13 s left</c>.</summary>
    public static string Line(long done, long total, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        if (done <= 0)
        {
            return string.Create(inv, $"run: 0/{total} I/Os in {Duration(elapsed)}, no estimate yet");
        }

        var rate = done / Math.Max(elapsed.TotalSeconds, 1e-9);
        var left = TimeSpan.FromSeconds(Math.Min(Math.Max(total - done, 0) / rate, TimeSpan.MaxValue.TotalSeconds / 2));
        return string.Create(inv, $"run: {done}/{total} I/Os ({100.0 * done / Math.Max(total, 1):0.0}%) in {Duration(elapsed)}, {Rate(rate)} I/Os/s, about {Duration(left)} left");
    }

    /// <summary>Stops the display (the bar is cleared) before the summary is printed.</summary>
    public void Dispose()
    {
        _stop.Set();
        _thread?.Join();
        _stop.Dispose();
    }

    /// <summary>A rate with a decimal while it is small (a run of large I/Os on many qpairs may do one a second).</summary>
    private static string Rate(double perSecond) => perSecond.ToString(perSecond < 10 ? "0.0" : "0", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan t) => t.TotalSeconds switch
    {
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0} s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{t.Minutes} min {t.Seconds} s"),
        < 172_800 => string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours} h {t.Minutes} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalDays} d {t.Hours} h"),
    };

    private void Lines()
    {
        var start = _o.Clock.GetTimestamp();
        while (!_stop.Wait(_o.Period))
        {
            _stderr.WriteLine(Line(_done(), _total, _o.Clock.GetElapsedTime(start)));
            _stderr.Flush();
        }
    }

    private void Bar()
    {
        if (!_stop.Wait(_o.BarDelay))
        {
            TerminalProgress.Show(_stderr, _total, _done, () => "I/Os", () => _stop.IsSet);
        }
    }
}
