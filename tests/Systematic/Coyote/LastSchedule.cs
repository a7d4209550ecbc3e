namespace Harness.Tests.Systematic.Coyote;

/// <summary>
/// The state of the schedule Coyote ran last, for the failure message: Coyote stops at the failing schedule, so after
/// the engine returns this describes exactly the state the bug left (which qpair waits where, what is parked unacked).
/// Scenarios register their bed's description at the start of each schedule.
/// </summary>
public static class LastSchedule
{
    private static Func<string>? _describe;

    public static void Register(Func<string> describe) => Volatile.Write(ref _describe, describe);

    public static void Clear() => Volatile.Write(ref _describe, null);

    /// <summary>The last schedule's state, or null when none registered (or describing it failed, which is said).</summary>
    public static string? Describe()
    {
        var describe = Volatile.Read(ref _describe);
        if (describe == null)
        {
            return null;
        }

        try
        {
            return describe();
        }
        catch (Exception e)
        {
            return $"(the state could not be described: {e.GetType().Name}: {e.Message})";
        }
    }
}
