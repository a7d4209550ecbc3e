using Harness.Sim.Tracing;
using Harness.Transport.Threading;

namespace Harness.Sim.Core;

/// <summary>
/// The simulated world's heart: a virtual clock and a single event queue ordered by (time, sequence).
/// Every source of nondeterminism is funnelled through here: time (<see cref="NowNs"/>), randomness
/// (<see cref="Random"/>) and order (the sequence number). All simulated objects take <see cref="Gate"/>
/// before touching shared state, so the world can also be driven from several (Coyote-controlled) threads.
/// </summary>
public sealed class SimWorld : IClock
{
    /// <summary>Bound on events one <see cref="Run"/> may process before it gives up (a livelock guard).</summary>
    public const long EventsPerRunMax = 2_000_000_000;

    private readonly EventQueue _queue = new();
    private long _nextSequence;
    private readonly object _ackSignal = new(); // a monitor: under Coyote, a wait on it is a controlled block (a hang is a deadlock)
    private long _acksSignalled;

    public SimWorld(ulong seed, Trace trace)
    {
        Random = new RandomStreams(seed);
        Trace = trace;
    }

    /// <summary>
    /// Lock over all simulated state (NIC, fabric, CM). A <see cref="Lock"/>, not a monitor: every critical section under
    /// it is short and never blocks (a call that must wait for an ack releases it in <see cref="WaitForAck"/>), so no
    /// thread ever waits for it under Coyote, which does not control <see cref="Lock"/> (Coyote 1.7.11 builds a
    /// controlled block, a GUID and five collections for every free monitor taken: most of a schedule's cost).
    /// </summary>
    public Lock Gate { get; } = new();

    /// <summary>Virtual time in nanoseconds.</summary>
    public long NowNs { get; private set; }

    /// <summary>Whether several threads drive the world (Coyote): only then can a call wait for another thread's ack.</summary>
    public bool Threaded { get; internal set; }

    /// <summary>Acks signalled so far (<see cref="SignalAck"/>): a waiter sleeps until it moves.</summary>
    public long AcksSignalled => Volatile.Read(ref _acksSignalled);

    public RandomStreams Random { get; }

    public Trace Trace { get; }

    /// <summary>
    /// The reactor (SPDK thread) whose pollers are running now, or null between polls (NIC, fabric and CM events).
    /// Records made meanwhile carry it, so a trace shows which thread did what.
    /// </summary>
    public string? CurrentThread { get; set; }

    /// <summary>
    /// The parked-reactor side of <see cref="CurrentThread"/>: the reactor whose pollers are running now, when it parks
    /// only until what it polled changes (cooperative runs), else null. Objects a poll observes register it
    /// (<see cref="Waiters.Watch"/>).
    /// </summary>
    public IWaiter? CurrentWaiter { get; set; }

    /// <summary>
    /// Called with <see cref="Gate"/> held (at any depth), by a call that must block until another thread acks an event
    /// (rdma_destroy_id, ibv_destroy_qp): releases the gate, sleeps until an ack is signalled after this call began, and
    /// takes the gate again. The caller re-checks its condition. No ack is missed: the caller's check and the count read
    /// here are both under the gate, and an ack changes state under the gate before it signals.
    /// </summary>
    public void WaitForAck()
    {
        var seen = AcksSignalled;
        var depth = 0;
        while (Gate.IsHeldByCurrentThread) // all of it, as Monitor.Wait would (rdma_destroy_qp holds it around ibv_destroy_qp)
        {
            Gate.Exit();
            depth++;
        }

        if (depth == 0)
        {
            throw new InvalidOperationException("SimWorld.WaitForAck without the gate");
        }

        try
        {
            lock (_ackSignal)
            {
                while (AcksSignalled == seen)
                {
                    Monitor.Wait(_ackSignal);
                }
            }
        }
        finally
        {
            for (var i = 0; i < depth; i++)
            {
                Gate.Enter();
            }
        }
    }

    /// <summary>
    /// Wakes the calls blocked in <see cref="WaitForAck"/>. With plain threads it may be called under <see cref="Gate"/>
    /// (sim reactors run pollers inside an event). Under Coyote it must not be: Coyote hands a monitor to a woken waiter
    /// before the waiter runs, so a second signal would wait for it while holding a lock Coyote does not control (the
    /// Coyote race beds run every poller outside the gate).
    /// </summary>
    public void SignalAck()
    {
        if (!Threaded)
        {
            return; // single-threaded nobody waits: a wait for an ack there is a certain hang, reported as one
        }

        lock (_ackSignal)
        {
            Interlocked.Increment(ref _acksSignalled);
            Monitor.PulseAll(_ackSignal);
        }
    }

    /// <summary>Events scheduled since the world began (a thread that made the world busier did work).</summary>
    public long EventsScheduled => Volatile.Read(ref _nextSequence);

    /// <summary>Events processed since the world began.</summary>
    public long EventsProcessed { get; private set; }

    /// <summary>Events waiting.</summary>
    public int Pending => _queue.Count;

    /// <summary>Time of the next event, or null when the queue is empty.</summary>
    public long? NextEventTimeNs => _queue.TryPeek(out var key) ? key.TimeNs : null;

    /// <summary>Schedules <paramref name="target"/> to handle <paramref name="kind"/> after <paramref name="delayNs"/>.</summary>
    public void Schedule(long delayNs, ISimEventTarget target, int kind, long a = 0, long b = 0)
    {
        if (delayNs < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(delayNs), delayNs, $"event kind {kind} for {target} scheduled in the past");
        }

        ScheduleAt(NowNs + delayNs, target, kind, a, b);
    }

    /// <summary>Schedules at an absolute virtual time (not earlier than now).</summary>
    public void ScheduleAt(long timeNs, ISimEventTarget target, int kind, long a = 0, long b = 0)
    {
        if (timeNs < NowNs)
        {
            throw new InvalidOperationException($"event kind {kind} for {target} at {timeNs} ns is before now ({NowNs} ns)");
        }

        _queue.Enqueue(new SimEvent(target, kind, a, b), new EventKey(timeNs, _nextSequence++));
    }

    /// <summary>
    /// A timer: one event slot that a long-lived object reschedules (a reactor's next poll). Scheduling a timer that
    /// is still waiting moves it, so superseded wake-ups do not pile up in the queue.
    /// </summary>
    internal int CreateTimer()
    {
        lock (Gate)
        {
            return _queue.NewTimer();
        }
    }

    /// <summary>
    /// Schedules <paramref name="timer"/> at an absolute virtual time (not earlier than now), replacing its earlier
    /// schedule if it has not fired yet. It takes a new sequence number, so it orders exactly as a new event would.
    /// </summary>
    internal void ScheduleTimerAt(int timer, long timeNs, ISimEventTarget target, int kind, long a = 0, long b = 0)
    {
        if (timeNs < NowNs)
        {
            throw new InvalidOperationException($"timer event kind {kind} for {target} at {timeNs} ns is before now ({NowNs} ns)");
        }

        _queue.Schedule(timer, new SimEvent(target, kind, a, b), new EventKey(timeNs, _nextSequence++));
    }

    /// <summary>Processes the next event. False when there is none.</summary>
    public bool Step()
    {
        lock (Gate)
        {
            if (!_queue.TryDequeue(out var ev, out var key))
            {
                return false;
            }

            if (key.TimeNs < NowNs)
            {
                throw new InvalidOperationException($"virtual time went backwards: {key.TimeNs} < {NowNs}");
            }

            NowNs = key.TimeNs;
            EventsProcessed++;
            ev.Target.OnEvent(ev.Kind, ev.A, ev.B);

            return true;
        }
    }

    /// <summary>
    /// Runs events until <paramref name="stop"/> says so, the queue empties, or virtual time passes
    /// <paramref name="untilNs"/>.
    /// </summary>
    public RunOutcome Run(long untilNs, Func<bool>? stop = null)
    {
        var processed = 0L;
        while (true)
        {
            if (stop != null && stop())
            {
                return RunOutcome.Stopped;
            }

            var next = NextEventTimeNs;
            if (next == null)
            {
                return RunOutcome.Quiescent;
            }

            if (next.Value > untilNs)
            {
                NowNs = Math.Max(NowNs, untilNs);
                return RunOutcome.TimeLimit;
            }

            if (++processed > EventsPerRunMax)
            {
                throw new InvalidOperationException($"more than {EventsPerRunMax} events in one run: livelock?");
            }

            Step();
        }
    }

    /// <summary>Appends a trace record stamped with the current virtual time.</summary>
    public void Record(TraceRecord record)
    {
        record.TimeNs = NowNs;
        record.Thread ??= CurrentThread;
        Trace.Record(record);
    }
}

/// <summary>Why <see cref="SimWorld.Run"/> returned.</summary>
public enum RunOutcome
{
    /// <summary>The stop condition held.</summary>
    Stopped,

    /// <summary>No event is left: nothing can ever happen again.</summary>
    Quiescent,

    /// <summary>The next event is past the time limit.</summary>
    TimeLimit,
}
