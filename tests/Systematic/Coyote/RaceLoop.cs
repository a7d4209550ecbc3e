using Microsoft.Coyote.Runtime;
using Microsoft.Coyote.Specifications;

namespace Harness.Tests.Systematic.Coyote;

/// <summary>
/// The body of one thread of a race: a reactor's rounds, or the simulated fabric's steps. Work done wakes the others;
/// after <see cref="IdleRoundsBeforeWait"/> idle rounds in a row with no progress anywhere the thread waits for some
/// (see <see cref="ProgressEpoch"/>). An exception on any thread is a finding: it is reported to Coyote at once, with
/// the thread's name.
/// </summary>
public static class RaceLoop
{
    /// <summary>
    /// Idle rounds before waiting: a poller may change its own state and still report no work (e.g. it found the
    /// controller lock taken); a second round sees the consequence.
    /// </summary>
    public const int IdleRoundsBeforeWait = 2;

    /// <summary>Rounds one thread may run in one schedule (a guard: Coyote's step bound normally ends a schedule first).</summary>
    public const long RoundsMax = 10_000_000;

    /// <summary>
    /// Starts a controlled task that runs <paramref name="round"/> until <paramref name="epoch"/> stops. A round returns
    /// true when it did something.
    /// </summary>
    public static Task Start(string name, ProgressEpoch epoch, Func<bool> round) => Start(name, epoch, () => round() ? Round.Work : Round.Idle);

    /// <summary>Starts a controlled task whose rounds also say when they must run again soon (<see cref="Round.Retry"/>).</summary>
    public static Task Start(string name, ProgressEpoch epoch, Func<Round> round) => Task.Run(() => Run(name, epoch, round));

    private static void Run(string name, ProgressEpoch epoch, Func<Round> round)
    {
        try
        {
            var idle = 0;
            var seen = epoch.Epoch;
            for (long i = 0; i < RoundsMax && !epoch.Stopped; i++)
            {
                var result = round();
                if (result == Round.Work)
                {
                    idle = 0;
                    epoch.Progress();
                    seen = epoch.Epoch;
                    continue;
                }

                if (result == Round.Retry)
                {
                    // Refused something another thread holds: spin, but tell the priority-based strategies this thread
                    // waits, or a high-priority spinner could starve the holder until the step bound.
                    idle = 0;
                    SchedulingPoint.Yield();
                    continue;
                }

                if (++idle < IdleRoundsBeforeWait)
                {
                    continue;
                }

                if (!epoch.WaitForProgress(seen, name))
                {
                    return;
                }

                idle = 0;
                seen = epoch.Epoch;
            }
        }
        catch (Exception e)
        {
            epoch.Stop();
            Specification.Assert(false, "thread {0} failed: {1}", name, e);
        }
    }
}

/// <summary>What one round of a race thread did.</summary>
public enum Round
{
    /// <summary>Nothing: after a few such rounds the thread waits for progress elsewhere.</summary>
    Idle,

    /// <summary>Changed something: the other threads may now have work.</summary>
    Work,

    /// <summary>Could not go on because another thread holds something (a lock): run again, after letting others run.</summary>
    Retry,
}
