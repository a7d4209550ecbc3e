using Harness.Sim.Tracing;

namespace Harness.HardwareRunner.Render;

/// <summary>
/// The horizontal axis: one step per drawn record, its width growing with the logarithm of the virtual time since the
/// previous one. A run's interesting moments are microseconds apart and its timeouts tens of milliseconds; a linear
/// axis would squash one or the other. Gaps of at least <see cref="BreakNs"/> and elided records are marked as breaks.
/// </summary>
public sealed class TimeAxis
{
    /// <summary>Width of a step between records at the same virtual time.</summary>
    public const double SameTimePx = 3;

    /// <summary>Width of the smallest step between different times.</summary>
    public const double MinStepPx = 4;

    /// <summary>Extra width per decade of elapsed time (in units of 100 ns).</summary>
    public const double PxPerDecade = 7;

    /// <summary>Width of the gap drawn for elided records.</summary>
    public const double ElisionPx = 60;

    /// <summary>Gaps at least this long are marked with their duration.</summary>
    public const long BreakNs = 1_000_000;

    private readonly Dictionary<int, double> _x = new();
    private readonly List<(double X, string Label)> _breaks = new();

    /// <summary>Lays out the drawable records of <paramref name="model"/>, starting at <paramref name="left"/>.</summary>
    public TimeAxis(TimelineModel model, double left)
    {
        var x = left;
        long? previous = null;
        var lastIndex = -1;
        var w = model.Window;
        for (var i = w.Start; i <= w.End && i < model.Records.Count; i++)
        {
            if (!w.Contains(i) || !TimelineText.IsDrawable(model.Records[i].Kind))
            {
                continue;
            }

            var t = model.Records[i].TimeNs;
            if (lastIndex >= 0 && lastIndex < w.ElideFrom && i > w.ElideTo)
            {
                x += ElisionPx;
                _breaks.Add((x - (ElisionPx / 2), $"… {w.Elided} records elided …"));
            }
            else if (previous != null)
            {
                x += Step(t - previous.Value);
                if (t - previous.Value >= BreakNs)
                {
                    _breaks.Add((x - 4, "+" + TimelineText.Time(t - previous.Value)));
                }
            }

            _x[i] = x;
            Ticks.Add((x, t));
            previous = t;
            lastIndex = i;
        }

        Right = x;
    }

    /// <summary>x of the last drawn record.</summary>
    public double Right { get; }

    /// <summary>Every drawn record's (x, virtual time), left to right.</summary>
    public List<(double X, long TimeNs)> Ticks { get; } = new();

    /// <summary>Long gaps and elisions: where, and the label.</summary>
    public IReadOnlyList<(double X, string Label)> Breaks => _breaks;

    /// <summary>x of record <paramref name="index"/>, or of the nearest drawn record before it (arrows whose end lies outside the window).</summary>
    public double X(int index)
    {
        if (_x.TryGetValue(index, out var x))
        {
            return x;
        }

        var best = Ticks.Count > 0 ? Ticks[0].X : 0;
        foreach (var (key, value) in _x)
        {
            if (key <= index && value > best)
            {
                best = value;
            }
        }

        return best;
    }

    private static double Step(long gapNs) => gapNs <= 0 ? SameTimePx : MinStepPx + (PxPerDecade * Math.Log10(1 + (gapNs / 100.0)));
}
