using System.Runtime.InteropServices;
using Harness.Sim.Core;
using Harness.Sim.Nic;
using Harness.Transport.Invariants;
using Harness.Transport.Threading;

namespace Harness.Sim.Reactors;

/// <summary>
/// One simulated SPDK thread: a poll round (messages, then every poller) is one world event. Busy, it polls again
/// after <see cref="SimReactorRuntime.PollCostNs"/>; idle, it parks (<see cref="SimReactorRuntime"/>).
/// </summary>
public sealed class SimReactor : IReactor, ISimEventTarget, IWaiter
{
    /// <summary>Pollers one reactor may run.</summary>
    public const int PollersMax = 256;

    /// <summary>Wake-ups one reactor may have pending past its next tick (about one per completion in flight).</summary>
    public const int LaterWakesMax = 1 << 20;

    private const int EvTick = 1;
    private readonly SimWorld _world;
    private readonly SimReactorRuntime _runtime;
    private readonly List<IPoller> _pollers = new();
    private readonly int _tick;
    private readonly ThreadMessageQueue _messages;
    private long _tickGeneration;
    private long _nextTickNs = long.MaxValue;
    private WakeReason _nextTickReason;
    private readonly PriorityQueue<long, long> _laterWakes = new(); // wake-ups asked for past the next tick: kept, never dropped
    private bool _parked;
    private bool _inTick;

    internal SimReactor(SimWorld world, SimReactorRuntime runtime, string name)
    {
        _world = world;
        _runtime = runtime;
        Name = name;
        _tick = world.CreateTimer();
        _messages = new ThreadMessageQueue(name);
    }

    /// <summary>Why the next poll round is scheduled (the earliest reason wins).</summary>
    private enum WakeReason : byte
    {
        None,
        Busy,
        Woken,
        Due,
        Safety,
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Poll rounds run so far.</summary>
    public long Ticks { get; private set; }

    /// <summary>Poll rounds that found nothing to do (each one a world event spent waiting).</summary>
    public long IdleTicks { get; private set; }

    /// <summary>Messages run so far.</summary>
    public long MessagesRan => _messages.Ran;

    /// <inheritdoc/>
    public void AddPoller(IPoller poller)
    {
        lock (_world.Gate)
        {
            if (_pollers.Count >= PollersMax)
            {
                throw new InvalidOperationException($"reactor {Name}: at most {PollersMax} pollers");
            }

            _pollers.Add(poller);
            if (poller is INestedReactor nested)
            {
                nested.RunOn(this);
            }

            if (poller is IObservingPoller)
            {
                _runtime.AddObserver(this);
            }

            WakeAt(_world.NowNs);
        }
    }

    /// <inheritdoc/>
    public void RemovePoller(IPoller poller)
    {
        lock (_world.Gate)
        {
            _pollers.Remove(poller);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Wakes the reactor at the current virtual time (SPDK's notification of a thread in interrupt mode): the message
    /// runs in its next tick, after whatever else is due now, in event order, so the run stays deterministic.
    /// </remarks>
    public void SendMessage(ThreadMessageFn fn, object? ctx)
    {
        lock (_world.Gate)
        {
            _messages.Send(fn, ctx);
            WakeAt(_world.NowNs);
        }
    }

    /// <inheritdoc/>
    /// <remarks>From its own round too: a poller may leave work for the next round without counting it (a qpair failed
    /// by its own timeout check disconnects on the next round), and a spinning thread would run that round.</remarks>
    public void Notify()
    {
        lock (_world.Gate)
        {
            WakeAt(_world.NowNs);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A wake-up at or after the next tick is kept (<c>_laterWakes</c>) until a round at or after its time has run: a CQE
    /// that becomes visible after the busy round that follows, or after a parked reactor's earlier deadline, must still
    /// wake it. During its own round the change may come after the poll that would have seen it, so it is kept too.
    /// </remarks>
    public void WakeAt(long timeNs)
    {
        var at = Math.Max(timeNs, _world.NowNs);
        if (!_inTick && at <= _nextTickNs && (_parked || _nextTickNs == long.MaxValue))
        {
            Schedule(at, WakeReason.Woken);
            return;
        }

        if (_inTick || at > _nextTickNs)
        {
            SimCheck.That(_laterWakes.Count < LaterWakesMax, _world, "reactor-wake-ups", this, "more wake-ups pending than LaterWakesMax");
            _laterWakes.Enqueue(at, at);
        }

        // Otherwise busy: it polls again within PollCostNs anyway, as a spinning thread would.
    }

    /// <inheritdoc/>
    public void OnEvent(int kind, long a, long b)
    {
        SimCheck.That(a == _tickGeneration, _world, "reactor-tick", this, "a superseded tick fired (the tick timer moves, it never leaves one behind)");
        var reason = _nextTickReason;
        _nextTickNs = long.MaxValue;
        _nextTickReason = WakeReason.None;
        _parked = false;
        while (_laterWakes.TryPeek(out _, out var pending) && pending <= _world.NowNs)
        {
            _laterWakes.Dequeue(); // this round sees it
        }

        var work = Round();
        Check.That(work == 0 || reason != WakeReason.Safety, InvariantNames.WakeUpAnnounced, (Name, _world.NowNs), static s =>
            $"reactor {s.Name} at {s.NowNs} ns: a poll woken only by the {SimReactorRuntime.SafetyWakeNsMax} ns safety net found work (a deadline missing from a poller's NextRunNs, or a change another thread made without Notify)");
        if (work > 0)
        {
            _runtime.WakeObservers(this);
        }
        else
        {
            IdleTicks++;
        }

        if (work > 0 || _messages.Waiting > 0)
        {
            Schedule(_world.NowNs + SimReactorRuntime.PollCostNs, WakeReason.Busy);
        }
        else if (_pollers.Count > 0)
        {
            Park();
        }
        else
        {
            _parked = true; // no pollers: only a message or a new poller wakes it
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"reactor {Name}";

    /// <summary>One poll round: messages first, then the pollers (SPDK thread_poll). Returns the work done.</summary>
    private int Round()
    {
        _inTick = true;
        var previousThread = _world.CurrentThread;
        var previousWaiter = _world.CurrentWaiter;
        _world.CurrentThread = Name;
        _world.CurrentWaiter = this;
        var work = 0;
        try
        {
            Ticks++;
            work += _messages.RunBatch();
            for (var i = 0; i < _pollers.Count; i++)
            {
                work += _pollers[i].Poll();
            }
        }
        finally
        {
            _inTick = false;
            _world.CurrentThread = previousThread;
            _world.CurrentWaiter = previousWaiter;
        }

        return work;
    }

    /// <summary>Sleeps until something it polled changes, a message, or the earliest deadline of its pollers.</summary>
    private void Park()
    {
        _parked = true;
        var now = _world.NowNs;
        var due = NextRun.EarliestOf(CollectionsMarshal.AsSpan(_pollers));

        if (_laterWakes.TryPeek(out _, out var pending))
        {
            Schedule(Math.Max(now + SimReactorRuntime.PollCostNs, pending), WakeReason.Woken); // a spinning thread's next round after it sees it
        }

        if (due != ITimedPoller.Never)
        {
            Schedule(Math.Max(due, now + SimReactorRuntime.PollCostNs), WakeReason.Due); // a deadline already past was not acted on: poll again, not at once
        }

        Schedule(now + SimReactorRuntime.SafetyWakeNsMax, WakeReason.Safety);
    }

    private void Schedule(long atNs, WakeReason reason)
    {
        if (atNs == _nextTickNs && _nextTickReason == WakeReason.Safety)
        {
            _nextTickReason = reason; // the safety wake-up coincides with a real one: the round is not a missed wake-up
        }

        if (atNs < _nextTickNs)
        {
            if (_nextTickReason == WakeReason.Woken)
            {
                _laterWakes.Enqueue(_nextTickNs, _nextTickNs); // the one tick timer moves earlier: the wake-up it held is kept
            }

            _nextTickNs = atNs;
            _nextTickReason = reason;
            _world.ScheduleTimerAt(_tick, atNs, this, EvTick, ++_tickGeneration); // moves a wake-up still waiting
        }
    }
}
