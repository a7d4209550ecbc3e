using Harness.Sim.Core;
using Harness.Transport.Threading;

namespace Harness.Sim.Reactors;

/// <summary>
/// Runs SPDK-style reactors in virtual time on the world's event loop. A reactor that did work polls again after
/// <see cref="PollCostNs"/>; an idle one parks until the world changes (any event) or <see cref="IdleWakeNsMax"/>
/// passes, so timeouts still fire. No OS threads, no thread pool: fully deterministic.
/// </summary>
public sealed class SimReactorRuntime : IReactorRuntime
{
    /// <summary>Virtual CPU time of one busy poll round.</summary>
    public const long PollCostNs = 200;

    /// <summary>Longest an idle reactor sleeps before polling anyway (its timers need time to pass).</summary>
    public const long IdleWakeNsMax = 1_000_000;

    /// <summary>Reactors one runtime may have.</summary>
    public const int ReactorsMax = 1024;

    private readonly SimWorld _world;
    private readonly List<SimReactor> _reactors = new();
    private readonly bool _rescheduleWakeUps;

    /// <param name="world">The world the reactors run in.</param>
    /// <param name="rescheduleWakeUps">
    /// Move a reactor's pending wake-up when it is woken earlier (cooperative runs: the queue holds one wake-up per
    /// reactor). False keeps the superseded wake-up in the queue as a stale event that fires idle: the event order and
    /// trace are the same either way, but under Coyote (threaded mode) every event the fabric's task steps is a
    /// scheduling point, so removing them would renumber the explored schedules (docs/systematic.md's measurements).
    /// </param>
    internal SimReactorRuntime(SimWorld world, bool rescheduleWakeUps = true)
    {
        _world = world;
        _rescheduleWakeUps = rescheduleWakeUps;
    }

    public IReadOnlyList<SimReactor> Reactors => _reactors;

    /// <inheritdoc/>
    public IReactor CreateReactor(string name)
    {
        lock (_world.Gate)
        {
            if (_reactors.Count >= ReactorsMax)
            {
                throw new InvalidOperationException($"at most {ReactorsMax} reactors");
            }

            var reactor = new SimReactor(_world, name, _rescheduleWakeUps);
            _reactors.Add(reactor);
            return reactor;
        }
    }
}

/// <summary>One simulated SPDK thread.</summary>
public sealed class SimReactor : IReactor, ISimEventTarget, IActivityListener
{
    /// <summary>Pollers one reactor may run.</summary>
    public const int PollersMax = 256;

    private const int EvTick = 1;
    private const int NoTimer = -1;
    private readonly SimWorld _world;
    private readonly List<IPoller> _pollers = new();
    private readonly int _tick;
    private long _tickGeneration;
    private long _nextTickNs = long.MaxValue;
    private readonly ThreadMessageQueue _messages;
    private bool _parked;
    private bool _inTick;

    internal SimReactor(SimWorld world, string name, bool rescheduleWakeUps = true)
    {
        _world = world;
        Name = name;
        _tick = rescheduleWakeUps ? world.CreateTimer() : NoTimer;
        _messages = new ThreadMessageQueue(name);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Poll rounds run so far.</summary>
    public long Ticks { get; private set; }

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
            Wake();
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

    /// <summary>Messages run so far.</summary>
    public long MessagesRan => _messages.Ran;

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
            Wake();
        }
    }

    /// <inheritdoc/>
    public void OnEvent(int kind, long a, long b)
    {
        if (a != _tickGeneration)
        {
            _world.MarkEventIdle();
            return; // superseded by an earlier wake-up (only without the tick timer)
        }

        _nextTickNs = long.MaxValue;
        _inTick = true;
        var previousThread = _world.CurrentThread;
        _world.CurrentThread = Name;
        var work = 0;
        try
        {
            Ticks++;
            work += _messages.RunBatch(); // thread_poll: messages first, then the pollers
            for (var i = 0; i < _pollers.Count; i++)
            {
                work += _pollers[i].Poll();
            }
        }
        finally
        {
            _inTick = false;
            _world.CurrentThread = previousThread;
        }

        if (_pollers.Count == 0 && _messages.Waiting == 0)
        {
            _world.MarkEventIdle();
            return;
        }

        if (work > 0 || _messages.Waiting > 0)
        {
            Schedule(SimReactorRuntime.PollCostNs);
        }
        else
        {
            _world.MarkEventIdle();
            Park();
        }
    }

    /// <inheritdoc/>
    public bool OnActivity(ISimEventTarget source)
    {
        if (!_parked)
        {
            return false;
        }

        if (source == this || _inTick)
        {
            return true; // still parked, still listening
        }

        _parked = false; // woken: the world drops this listener (no list search)
        Schedule(0);
        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => $"reactor {Name}";

    private void Park()
    {
        if (!_parked)
        {
            // Register once: an idle wake-up that finds nothing to do parks again without being woken in between.
            _parked = true;
            _world.AddActivityListener(this);
        }

        Schedule(SimReactorRuntime.IdleWakeNsMax);
    }

    private void Wake()
    {
        if (_parked)
        {
            _parked = false;
            _world.RemoveActivityListener(this);
        }

        Schedule(0);
    }

    private void Schedule(long delayNs)
    {
        var at = _world.NowNs + delayNs;
        if (at < _nextTickNs)
        {
            _nextTickNs = at;
            if (_tick == NoTimer)
            {
                _world.ScheduleAt(at, this, EvTick, ++_tickGeneration); // an earlier wake-up still waiting turns stale
            }
            else
            {
                _world.ScheduleTimerAt(_tick, at, this, EvTick, ++_tickGeneration); // moves a wake-up still waiting
            }
        }
    }
}
