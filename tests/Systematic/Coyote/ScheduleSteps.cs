using Microsoft.Coyote.Random;
using Microsoft.Coyote.Runtime;

namespace Harness.Tests.Systematic.Coyote;

/// <summary>The steps scenarios share: single-threaded setup with no interleaving offered, and Coyote-chosen choices and delays.</summary>
public static class ScheduleSteps
{
    /// <summary>Runs <paramref name="step"/> with scheduling suppressed: setup and teardown have no interleaving to explore, so none is offered.</summary>
    public static T Suppressed<T>(Func<T> step)
    {
        SchedulingPoint.Suppress();
        try
        {
            return step();
        }
        finally
        {
            SchedulingPoint.Resume();
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

    /// <summary>Coyote chooses how long (0 to <paramref name="yieldsMax"/> scheduling points) the scenario's own thread lets the others run.</summary>
    public static async Task Delay(int yieldsMax)
    {
        var n = Generator.Create().NextInteger(yieldsMax);
        for (var i = 0; i < n; i++)
        {
            await Task.Yield();
        }
    }
}
