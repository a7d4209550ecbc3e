using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Reactors;
using Harness.Transport.Invariants;
using Harness.Transport.Threading;

namespace Harness.Tests.Properties.Sim;

/// <summary>
/// A simulated reactor with nothing to do parks until something can give it work: its pollers' next deadline, a
/// wake-up from an object it polled, a message or <see cref="IReactor.Notify"/>. Work that nothing announced is found
/// only by the safety net, and that is reported (<see cref="InvariantNames.WakeUpAnnounced"/>).
/// </summary>
public sealed class ReactorParkingTests
{
    private const long DeadlineNs = 5_000_000;

    [Fact]
    public void A_poller_that_waits_for_time_without_saying_so_is_reported()
    {
        using var fabric = new SimFabric(new SimOptions { Seed = 1 });
        fabric.Reactors.CreateReactor("r").AddPoller(new DeadlinePoller(fabric.World, DeadlineNs, announces: false));
        var e = Assert.Throws<InvariantViolationException>(() => fabric.World.Run(untilNs: DeadlineNs + (2 * SimReactorRuntime.SafetyWakeNsMax)));
        Assert.Equal(InvariantNames.WakeUpAnnounced, e.Invariant);
        Assert.Contains("reactor r", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_poller_that_announces_its_deadline_runs_exactly_then_after_a_few_rounds()
    {
        using var fabric = new SimFabric(new SimOptions { Seed = 1 });
        var poller = new DeadlinePoller(fabric.World, DeadlineNs, announces: true);
        var reactor = (SimReactor)fabric.Reactors.CreateReactor("r");
        reactor.AddPoller(poller);
        var runNs = DeadlineNs + (2 * SimReactorRuntime.SafetyWakeNsMax);
        fabric.World.Run(untilNs: runNs);
        Assert.Equal(DeadlineNs, poller.WorkedAtNs);

        // The first round, the deadline's and the busy one after it, and the safety net's: not one every poll period.
        var roundsMax = 3 + (runNs / SimReactorRuntime.SafetyWakeNsMax);
        Assert.True(reactor.Ticks <= roundsMax, $"{reactor.Ticks} rounds (at most {roundsMax}): a parked reactor polls at its deadline, not every poll period");
    }

    [Fact]
    public void A_wake_up_past_the_next_round_is_kept_when_an_earlier_one_moves_the_round()
    {
        // The reactor's one timer moves earlier for the Notify; the CQ-style wake-up it held must still come.
        using var fabric = new SimFabric(new SimOptions { Seed = 1 });
        var poller = new DeadlinePoller(fabric.World, DeadlineNs, announces: false);
        var reactor = (SimReactor)fabric.Reactors.CreateReactor("r");
        reactor.AddPoller(poller);
        fabric.World.Run(untilNs: 10_000);
        reactor.WakeAt(DeadlineNs);
        reactor.Notify();
        fabric.World.Run(untilNs: DeadlineNs + SimReactorRuntime.PollCostNs);
        Assert.Equal(DeadlineNs, poller.WorkedAtNs);
    }

    /// <summary>Finds work once, at <c>deadlineNs</c>; says so through <see cref="ITimedPoller.NextRunNs"/> if it announces.</summary>
    private sealed class DeadlinePoller(SimWorld world, long deadlineNs, bool announces) : ITimedPoller
    {
        public string Name => "deadline";

        public long WorkedAtNs { get; private set; } = -1;

        public long NextRunNs => announces && WorkedAtNs < 0 ? deadlineNs : ITimedPoller.Never;

        public int Poll()
        {
            var now = world.NowNs;
            if (WorkedAtNs >= 0 || now < deadlineNs)
            {
                return 0;
            }

            WorkedAtNs = now;
            return 1;
        }
    }
}
