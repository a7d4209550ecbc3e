namespace Harness.Transport.Threading;

/// <summary>
/// Builds an <see cref="ITimedPoller.NextRunNs"/>: the earliest of a poller's deadlines that are still ahead. A deadline
/// at or before now was visible to the round that just ran (every check is <c>now &gt;= deadline</c>), so it is either
/// acted on or disarmed; only the ones ahead can give a later round work.
/// </summary>
public struct NextRun(long nowNs)
{
    /// <summary>The earliest deadline added that is after now, or <see cref="ITimedPoller.Never"/>.</summary>
    public long Ns { get; private set; } = ITimedPoller.Never;

    /// <summary>The earliest <see cref="ITimedPoller.NextRunNs"/> of <paramref name="pollers"/> (the untimed have none).</summary>
    public static long EarliestOf(ReadOnlySpan<IPoller> pollers)
    {
        var earliest = ITimedPoller.Never;
        for (var i = 0; i < pollers.Length; i++)
        {
            if (pollers[i] is ITimedPoller timed)
            {
                earliest = Math.Min(earliest, timed.NextRunNs);
            }
        }

        return earliest;
    }

    /// <summary>Adds a deadline (one at or before now is ignored).</summary>
    public void Add(long deadlineNs)
    {
        if (deadlineNs > nowNs && deadlineNs < Ns)
        {
            Ns = deadlineNs;
        }
    }
}
