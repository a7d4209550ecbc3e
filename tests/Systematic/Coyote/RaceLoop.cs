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
    /// true when it did something (or must run again soon, e.g. it was refused a lock another thread holds).
    /// </summary>
    public static Task Start(string name, ProgressEpoch epoch, Func<bool> round) => Task.Run(() => Run(name, epoch, round));

    private static void Run(string name, ProgressEpoch epoch, Func<bool> round)
    {
        try
        {
            var idle = 0;
            var seen = epoch.Epoch;
            for (long i = 0; i < RoundsMax && !epoch.Stopped; i++)
            {
                if (round())
                {
                    idle = 0;
                    epoch.Progress();
                    seen = epoch.Epoch;
                    continue;
                }

                if (++idle < IdleRoundsBeforeWait)
                {
                    continue;
                }

                if (!epoch.WaitForProgress(seen))
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
