using Harness.Transport.Threading;

namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// A poller that calls a method (the workload's pollers are methods of its sides). The workload's pollers read what
/// other threads change (completions, qpair status, the data model), so they observe every change. One with timers of
/// its own (a reconnect backoff, a timed controller action) says when the next one is due, or a parked simulated reactor
/// would only see it at its safety wake-up.
/// </summary>
internal sealed class FuncPoller : IObservingPoller, ITimedPoller
{
    private readonly Func<int> _poll;
    private readonly Func<long>? _nextRunNs;

    public FuncPoller(string name, Func<int> poll, Func<long>? nextRunNs = null)
    {
        Name = name;
        _poll = poll;
        _nextRunNs = nextRunNs;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public long NextRunNs => _nextRunNs?.Invoke() ?? ITimedPoller.Never;

    /// <inheritdoc/>
    public int Poll() => _poll();
}
