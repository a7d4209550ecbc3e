using Harness.Transport.Threading;

namespace Harness.HardwareRunner.Workloads;

/// <summary>A poller that calls a method (the workload's pollers are methods of its sides).</summary>
internal sealed class FuncPoller : IPoller
{
    private readonly Func<int> _poll;

    public FuncPoller(string name, Func<int> poll)
    {
        Name = name;
        _poll = poll;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int Poll() => _poll();
}
