using Harness.Sim.Core;

namespace Harness.Tests.Properties.Support;

/// <summary>
/// A test bed's run that probes a condition between simulator events: parked simulated reactors leave long gaps
/// between events, so when none is due within <see cref="ProbePeriodNs"/> virtual time moves that far instead, and the
/// condition (and any thread the test polls by hand) is looked at again.
/// </summary>
public static class ProbedRun
{
    /// <summary>Longest virtual time that passes between two looks at a bed's condition.</summary>
    public const long ProbePeriodNs = 1_000_000;

    /// <summary>
    /// One step towards <paramref name="deadlineNs"/>: the next event if it is due within <see cref="ProbePeriodNs"/>
    /// (true), else the clock moves that far (false); null when the deadline has passed with nothing due.
    /// </summary>
    public static bool? Step(SimWorld world, long deadlineNs)
    {
        var stepTo = Math.Min(world.NowNs + ProbePeriodNs, deadlineNs);
        if (world.NextEventTimeNs is long due && due <= stepTo)
        {
            world.Step();
            return true;
        }

        if (world.NowNs >= deadlineNs)
        {
            return null;
        }

        world.Run(stepTo);
        return false;
    }
}
