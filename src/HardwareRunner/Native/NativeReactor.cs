using Harness.Transport.Threading;

namespace Harness.HardwareRunner.Native;

/// <summary>An SPDK-style thread on the native backend: its pollers, run in turn, never blocking.</summary>
public sealed class NativeReactor : IReactor
{
    /// <summary>Pollers one reactor may have (as the simulator).</summary>
    public const int PollersMax = 256;

    private readonly object _gate = new();
    private readonly ThreadMessageQueue _messages;
    private IPoller[] _pollers = Array.Empty<IPoller>();
    private long _rounds;

    internal NativeReactor(string name)
    {
        Name = name;
        _messages = new ThreadMessageQueue(name);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Poll rounds run so far.</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    /// <inheritdoc/>
    public void AddPoller(IPoller poller)
    {
        lock (_gate)
        {
            if (_pollers.Length >= PollersMax)
            {
                throw new InvalidOperationException($"reactor {Name}: at most {PollersMax} pollers");
            }

            _pollers = [.. _pollers, poller];
        }
    }

    /// <inheritdoc/>
    public void RemovePoller(IPoller poller)
    {
        lock (_gate)
        {
            _pollers = _pollers.Where(p => !ReferenceEquals(p, poller)).ToArray();
        }
    }

    /// <inheritdoc/>
    /// <remarks>A reactor thread asleep after idling sees it within its idle sleep (SPDK without interrupt mode polls).</remarks>
    public void SendMessage(ThreadMessageFn fn, object? ctx) => _messages.Send(fn, ctx);

    /// <inheritdoc/>
    /// <remarks>Nothing to do: the reactor spins (its loop calls <see cref="PollOnce"/> without sleeping on work).</remarks>
    public void Notify()
    {
    }

    /// <summary>
    /// Runs the messages sent to it (a batch), then every poller once, and returns the work they did (the array is
    /// copied on change, so this does not allocate).
    /// </summary>
    public int PollOnce()
    {
        var work = _messages.RunBatch();
        var pollers = Volatile.Read(ref _pollers);
        for (var i = 0; i < pollers.Length; i++)
        {
            work += pollers[i].Poll();
        }

        Interlocked.Increment(ref _rounds);
        return work;
    }

    /// <inheritdoc/>
    public override string ToString() => $"reactor {Name}";
}
