using Harness.Transport.Threading;

namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// A reactor inside a poller: components that attach their own pollers to an <see cref="IReactor"/> (the host
/// transport's controller and poll groups do) can be handed one of these, and the set is then run as one poller by
/// whoever owns the real reactor. Pollers run in the order they were added; adding or removing one (also from inside a
/// poll) takes effect from the next round. Polling does not allocate.
/// </summary>
public sealed class PollerSet : IReactor, INestedReactor, ITimedPoller, IObservingPoller
{
    /// <summary>Pollers one set may hold.</summary>
    public const int PollersMax = 64;

    private readonly ThreadMessageQueue _messages;
    private IPoller[] _pollers = [];
    private IReactor? _host;

    /// <summary>A set named <paramref name="name"/> (the reactor name its members see).</summary>
    public PollerSet(string name)
    {
        Name = name;
        _messages = new ThreadMessageQueue(name);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Pollers in the set now.</summary>
    public int Count => _pollers.Length;

    /// <inheritdoc/>
    public void AddPoller(IPoller poller)
    {
        ArgumentNullException.ThrowIfNull(poller);
        if (_pollers.Length >= PollersMax)
        {
            throw new InvalidOperationException($"poller set {Name}: at most {PollersMax} pollers");
        }

        if (Array.IndexOf(_pollers, poller) >= 0)
        {
            throw new InvalidOperationException($"poller set {Name}: {poller.Name} is already in it");
        }

        _pollers = [.. _pollers, poller];
    }

    /// <inheritdoc/>
    public void RemovePoller(IPoller poller)
    {
        var index = Array.IndexOf(_pollers, poller);
        if (index < 0)
        {
            return;
        }

        var next = new IPoller[_pollers.Length - 1];
        Array.Copy(_pollers, 0, next, 0, index);
        Array.Copy(_pollers, index + 1, next, index, next.Length - index);
        _pollers = next;
    }

    /// <inheritdoc/>
    /// <remarks>The message runs in the set's next <see cref="Poll"/>, before its members (as an SPDK thread's round).</remarks>
    public void SendMessage(ThreadMessageFn fn, object? ctx)
    {
        _messages.Send(fn, ctx);
        _host?.Notify();
    }

    /// <inheritdoc/>
    public void Notify() => _host?.Notify();

    /// <inheritdoc/>
    public void RunOn(IReactor host) => _host = host;

    /// <inheritdoc/>
    /// <remarks>The earliest deadline of its members (a message sent to the set notifies its host instead).</remarks>
    public long NextRunNs => NextRun.EarliestOf(_pollers);

    /// <inheritdoc/>
    public int Poll()
    {
        var work = _messages.RunBatch();
        var pollers = _pollers; // a removal during the round replaces the array, it does not disturb this walk
        for (var i = 0; i < pollers.Length; i++)
        {
            work += pollers[i].Poll();
        }

        return work;
    }

    /// <inheritdoc/>
    public override string ToString() => $"poller set {Name} ({_pollers.Length} pollers)";
}
