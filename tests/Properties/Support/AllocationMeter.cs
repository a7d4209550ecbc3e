namespace Harness.Tests.Properties.Support;

/// <summary>
/// Bytes a steady-state loop allocates on the test's thread, robust to one-off allocations that are not the loop's: a
/// tier-up or on-stack replacement of the loop's method, or a lazily built runtime structure, can land once inside the
/// measured window (seen: 4,240 bytes once in 10,000 native post/poll rounds on a loaded machine). A loop that really
/// allocates does so on every run, so the least of up to <see cref="AttemptsMax"/> runs is the loop's own figure.
/// </summary>
public static class AllocationMeter
{
    /// <summary>Runs measured at most (the first run that allocates nothing ends the measurement).</summary>
    public const int AttemptsMax = 3;

    /// <summary>The fewest bytes allocated on this thread by one run of <paramref name="measured"/>, over up to <see cref="AttemptsMax"/> runs.</summary>
    public static long Least(Action measured)
    {
        ArgumentNullException.ThrowIfNull(measured);
        var least = long.MaxValue;
        for (var attempt = 0; attempt < AttemptsMax && least != 0; attempt++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            measured();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
