namespace Harness.Sim.Core;

/// <summary>Something the scheduler can wake: a QP, a CQ, the CM, a reactor.</summary>
public interface ISimEventTarget
{
    /// <summary>Handles event <paramref name="kind"/> (target-defined) with two integer arguments.</summary>
    void OnEvent(int kind, long a, long b);
}

/// <summary>A scheduled event. A struct with a pre-existing target, so scheduling does not allocate.</summary>
public readonly record struct SimEvent(ISimEventTarget Target, int Kind, long A, long B);

/// <summary>Event order: virtual time, then the sequence number it was scheduled with (FIFO among equals).</summary>
public readonly record struct EventKey(long TimeNs, long Sequence) : IComparable<EventKey>
{
    /// <inheritdoc/>
    public int CompareTo(EventKey other)
    {
        var byTime = TimeNs.CompareTo(other.TimeNs);
        return byTime != 0 ? byTime : Sequence.CompareTo(other.Sequence);
    }
}
