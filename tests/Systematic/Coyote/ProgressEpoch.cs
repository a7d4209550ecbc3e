namespace Harness.Tests.Systematic.Coyote;

/// <summary>
/// How the threads of a race know when to sleep. Pollers never block (SPDK), so a thread with nothing to do would spin
/// forever and Coyote could only report a hang after its step budget. Instead an idle thread waits (Monitor.Wait, which
/// Coyote controls) until some other thread made progress. When nothing can ever happen again every thread waits, and
/// Coyote reports the deadlock at once, naming the threads: a thread stuck in rdma_destroy_id while every other
/// thread is idle is exactly such a state. A finished scenario <see cref="Stop"/>s everyone.
/// </summary>
public sealed class ProgressEpoch
{
    private readonly object _gate = new();
    private long _epoch;
    private bool _stopped;

    /// <summary>Increases on every bit of progress anywhere.</summary>
    public long Epoch
    {
        get
        {
            lock (_gate)
            {
                return _epoch;
            }
        }
    }

    public bool Stopped
    {
        get
        {
            lock (_gate)
            {
                return _stopped;
            }
        }
    }

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
    public bool WaitForProgress(long seen)
    {
        lock (_gate)
        {
            while (_epoch == seen && !_stopped)
            {
                Monitor.Wait(_gate);
            }

            return !_stopped;
        }
    }
}
