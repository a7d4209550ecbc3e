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
/// point (the test's bookkeeping must not add steps: issue 17). Every write takes the lock, and so does the pulse, even
/// with nobody waiting: Coyote's <c>Monitor.Wait</c> is a scheduling point before the waiter is queued, so an increment
/// and a pulse made without the lock in that gap were lost, and a thread slept through real progress (a false hang that
/// looked like the seed bug; found when ErrorDrainRacingReceives hung at seed 30024).
/// </para>
/// </summary>
public sealed class ProgressEpoch
{
    private readonly object _gate = new();
    private long _epoch;
    private bool _stopped;
    private readonly List<string> _sleepers = new();

    /// <summary>Increases on every bit of progress anywhere.</summary>
    public long Epoch => _epoch;

    public bool Stopped => _stopped;

    /// <summary>The threads waiting for progress now (for failure messages: a hang names who sleeps and who is blocked elsewhere).</summary>
    public string Sleepers => _sleepers.Count == 0 ? "none" : string.Join(", ", _sleepers);

    /// <summary>Something changed: wake every idle thread.</summary>
    public void Progress()
    {
        lock (_gate)
        {
            _epoch++;
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
            while (_epoch == seen && !_stopped)
            {
                _sleepers.Add(name);
                Monitor.Wait(_gate);
                _sleepers.Remove(name);
            }

            return !_stopped;
        }
    }
}
