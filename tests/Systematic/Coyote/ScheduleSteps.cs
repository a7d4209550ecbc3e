using Microsoft.Coyote.Random;
using Microsoft.Coyote.Runtime;

namespace Harness.Tests.Systematic.Coyote;

/// <summary>The steps scenarios share: single-threaded setup with no interleaving offered, and Coyote-chosen choices and delays.</summary>
public static class ScheduleSteps
{
    /// <summary>Depth of <see cref="Suppressed{T}(Func{T})"/> on this thread (setup runs on the scenario's own thread).</summary>
    [ThreadStatic]
    private static int _suppressed;

    /// <summary>Runs <paramref name="step"/> with scheduling suppressed: setup and teardown have no interleaving to explore, so none is offered.</summary>
    public static T Suppressed<T>(Func<T> step)
    {
        SchedulingPoint.Suppress();
        _suppressed++;
        try
        {
            return step();
        }
        finally
        {
            _suppressed--;
            SchedulingPoint.Resume();
        }
    }

    /// <summary>
    /// A place where real threads meet: a scheduling point, except inside <see cref="Suppressed{T}(Func{T})"/>
    /// (Coyote's <c>SchedulingPoint.Interleave</c> ignores suppression, and a step taken alone in setup is pure cost).
    /// </summary>
    public static void MeetingPoint()
    {
        CheckNoGateHeld();
        if (_suppressed == 0)
        {
            SchedulingPoint.Interleave();
        }
    }

    /// <summary>
    /// The simulator's gate of the race bed now running. It is a <see cref="Lock"/>, which Coyote does not control: a
    /// thread switched out while holding it would block the next one for real, so no meeting point may be inside it.
    /// </summary>
    public static Lock? WorldGate { get; set; }

    /// <summary>Fails when the current thread holds <see cref="WorldGate"/> (called before every scheduling point of a race).</summary>
    public static void CheckNoGateHeld()
    {
        if (WorldGate is { IsHeldByCurrentThread: true })
        {
            throw new InvalidOperationException("a meeting point inside the simulator's gate: Coyote would switch threads while a lock it does not control is held");
        }
    }

    /// <inheritdoc cref="Suppressed{T}(Func{T})"/>
    public static void Suppressed(Action step) => Suppressed(() =>
    {
        step();
        return 0;
    });

    /// <summary>A simulator seed in 1..<paramref name="seeds"/>, chosen by Coyote (recorded in the trace, so a replay gets it back).</summary>
    public static ulong FabricSeed(int seeds) => 1 + (ulong)Generator.Create().NextInteger(seeds);

    /// <summary>
    /// Coyote chooses how long (0 to <paramref name="yieldsMax"/> scheduling points) the scenario's own thread lets the
    /// others run. Scheduling points, not <c>Task.Yield</c>: each yield's continuation is a new controlled operation (a
    /// thread), which costs more than the point itself.
    /// </summary>
    public static Task Delay(int yieldsMax)
    {
        var n = Generator.Create().NextInteger(yieldsMax);
        for (var i = 0; i < n; i++)
        {
            CheckNoGateHeld();
            SchedulingPoint.Interleave();
        }

        return Task.CompletedTask;
    }
}
