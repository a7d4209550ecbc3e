using Harness.Sim.Core;
using Harness.Transport.Invariants;
using Harness.Transport.Threading;

namespace Harness.Sim.Reactors;

/// <summary>
/// Runs SPDK-style reactors in virtual time on the world's event loop. A reactor that did work polls again after
/// <see cref="PollCostNs"/>; an idle one parks until something can give it work: a change of an object its pollers
/// polled (a completion on its CQ, an event on its CM channel), a message, or its pollers' next deadline
/// (<see cref="ITimedPoller"/>), as SPDK's interrupt mode sleeps on its fds and timerfd. A poll therefore observes
/// what it would have observed spinning: parking skips only polls that would have found nothing. No OS threads, no
/// thread pool: fully deterministic.
/// </summary>
public sealed class SimReactorRuntime : IReactorRuntime
{
    /// <summary>Virtual CPU time of one busy poll round.</summary>
    public const long PollCostNs = 200;

    /// <summary>
    /// Longest a parked reactor sleeps with no deadline and nothing it polled changing: a detector, not a timer. A poll
    /// it wakes that finds work is a missed wake-up, reported as <see cref="InvariantNames.WakeUpAnnounced"/>: a poller
    /// that waits for time without saying so, or state another thread changed without telling. Long, so that long
    /// virtual waits (teardown and keep-alive bounds) cost a few rounds, not one per millisecond.
    /// </summary>
    public const long SafetyWakeNsMax = 100_000_000;

    /// <summary>Reactors one runtime may have.</summary>
    public const int ReactorsMax = 1024;

    private readonly SimWorld _world;
    private readonly List<SimReactor> _reactors = new();
    private readonly List<SimReactor> _observers = new(); // reactors running an IObservingPoller

    internal SimReactorRuntime(SimWorld world) => _world = world;

    public IReadOnlyList<SimReactor> Reactors => _reactors;

    /// <summary>A reactor now runs an <see cref="IObservingPoller"/>: it is woken after every round that did work.</summary>
    internal void AddObserver(SimReactor reactor)
    {
        if (!_observers.Contains(reactor))
        {
            _observers.Add(reactor);
        }
    }

    /// <summary>
    /// <paramref name="worker"/>'s round did work (null: code outside the world, between two runs, may have changed
    /// something): every observing reactor polls again now.
    /// </summary>
    internal void WakeObservers(SimReactor? worker)
    {
        for (var i = 0; i < _observers.Count; i++)
        {
            if (!ReferenceEquals(_observers[i], worker))
            {
                _observers[i].WakeAt(_world.NowNs);
            }
        }
    }

    /// <inheritdoc/>
    public IReactor CreateReactor(string name)
    {
        lock (_world.Gate)
        {
            if (_reactors.Count >= ReactorsMax)
            {
                throw new InvalidOperationException($"at most {ReactorsMax} reactors");
            }

            var reactor = new SimReactor(_world, this, name);
            _reactors.Add(reactor);
            return reactor;
        }
    }
}
