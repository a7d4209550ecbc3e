namespace Harness.Tests.Systematic.Coyote;

/// <summary>
/// How the threads of a race know when to sleep. Pollers never block (SPDK), so a thread with nothing to do would spin
/// forever and Coyote could only report a hang after its step budget. Instead an idle thread waits (Monitor.Wait, which
/// Coyote controls) until some other thread made progress. When nothing can ever happen again every thread waits, and
/// Coyote reports the deadlock at once, naming the threads: a thread stuck in rdma_destroy_id while every other
/// thread is idle is exactly such a state. A finished scenario <see cref="Stop"/>s everyone.
/// <para>
/// The epoch and the stop flag are read without the lock: Coyote runs one controlled operation at a time and every
/// switch between operations is a full fence, so a plain read sees the last write; and a read is then no scheduling
/// point (the test's bookkeeping must not add steps: issue 17). <see cref="Progress"/> takes the lock only when a
/// thread sleeps: a sleeper counts itself under the lock before it re-checks the epoch and waits, with no scheduling
/// point in between, so a progress made before the count is seen by the re-check and one made after it pulses. (The
/// first lock-free version incremented and pulsed with no such count and lost wake-ups: a thread slept through real
/// progress, a false hang that looked like the seed bug, found when ErrorDrainRacingReceives hung at seed 30024.)
/// Progress with nobody asleep was the commonest monitor hand-off of a schedule.
/// </para>
/// </summary>
public sealed class ProgressEpoch
{
    private readonly object _gate = new();
    private long _epoch;
    private bool _stopped;
    private readonly List<(string Name, long Since)> _sleepers = new();
    private int _sleeping;

    /// <summary>Increases on every bit of progress anywhere.</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    public bool Stopped => _stopped;

    /// <summary>Threads waiting for progress now.</summary>
    public int Sleeping => Volatile.Read(ref _sleeping);

    /// <summary>The threads waiting for progress now (for failure messages: a hang names who sleeps and who is blocked elsewhere).</summary>
    public string Sleepers => _sleepers.Count == 0
        ? "none"
        : $"{string.Join(", ", _sleepers.Select(s => $"{s.Name} (since epoch {s.Since})"))} (epoch now {Epoch})";

    /// <summary>Something changed: wake every idle thread.</summary>
    public void Progress()
    {
        Interlocked.Increment(ref _epoch);
        if (Volatile.Read(ref _sleeping) == 0)
        {
            return;
        }

        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The scenario is over: every thread leaves its loop.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Waits until the epoch moved past <paramref name="seen"/>; false when stopped instead.</summary>
    public bool WaitForProgress(long seen, string name = "")
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _sleeping); // before the re-check: a progress from now on pulses
            while (Volatile.Read(ref _epoch) == seen && !_stopped)
            {
                _sleepers.Add((name, seen));
                Monitor.Wait(_gate);
                _sleepers.Remove((name, seen));
            }

            Interlocked.Decrement(ref _sleeping);

            return !_stopped;
        }
    }
}
