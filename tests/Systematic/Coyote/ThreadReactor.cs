using Harness.Transport.Threading;

namespace Harness.Tests.Systematic.Coyote;

/// <summary>
/// An SPDK thread for a Coyote test: its messages and pollers run only when <see cref="PollOnce"/> is called, by the
/// one controlled task that owns the reactor (<see cref="RaceLoop"/>), or by the scenario's single thread during setup.
/// Sending a message and taking a batch (only when messages wait) are the cross-thread meeting points Coyote interleaves
/// (<see cref="MeetingPoint.ThreadMessageSend"/>, <see cref="MeetingPoint.ThreadMessageBatch"/>); a round that finds no
/// message is no scheduling point of its own. The poller list is read without the lock (changed only between rounds).
/// </summary>
/// <param name="name">The thread's name.</param>
/// <param name="meetingPoints">
/// Told at the reactor's meeting points; null for a reactor that runs inside another thread's atomic step (the far side
/// of a race bed, on the fabric's task), whose messages are then no meeting points.
/// </param>
public sealed class ThreadReactor(string name, IMeetingPoints? meetingPoints) : IReactor
{
    /// <summary>Pollers one reactor may hold.</summary>
    public const int PollersMax = 64;

    private readonly object _gate = new();
    private readonly ThreadMessageQueue _messages = new(name);
    private IPoller[] _pollers = Array.Empty<IPoller>();

    public string Name => name;

    public void AddPoller(IPoller poller)
    {
        lock (_gate)
        {
            if (_pollers.Length >= PollersMax)
            {
                throw new InvalidOperationException($"reactor {name}: at most {PollersMax} pollers");
            }

            _pollers = [.. _pollers, poller];
        }
    }

    public void RemovePoller(IPoller poller)
    {
        lock (_gate)
        {
            _pollers = _pollers.Where(p => !ReferenceEquals(p, poller)).ToArray();
        }
    }

    /// <summary>Messages waiting for this reactor's next round.</summary>
    public int MessagesWaiting => _messages.Waiting;

    /// <inheritdoc/>
    public void SendMessage(ThreadMessageFn fn, object? ctx)
    {
        meetingPoints?.At(MeetingPoint.ThreadMessageSend);
        _messages.Send(fn, ctx);
    }

    /// <inheritdoc/>
    /// <remarks>Nothing to do: the race's thread calls <see cref="PollOnce"/> in a loop (an idle round yields to Coyote).</remarks>
    public void Notify()
    {
    }

    /// <summary>Runs a batch of messages, then every poller once, on the calling thread; returns the work they reported.</summary>
    public int PollOnce()
    {
        var work = 0;
        if (_messages.Waiting > 0)
        {
            meetingPoints?.At(MeetingPoint.ThreadMessageBatch);
            work += _messages.RunBatch();
        }

        foreach (var poller in _pollers)
        {
            work += poller.Poll();
        }

        return work;
    }

    /// <inheritdoc/>
    public override string ToString() => $"reactor {name}";
}

/// <summary>Creates <see cref="ThreadReactor"/>s (the target's <c>Start</c> asks for its reactors through this).</summary>
/// <param name="meetingPoints">Told at the reactors' meeting points, or null (see <see cref="ThreadReactor"/>).</param>
public sealed class ThreadReactorRuntime(IMeetingPoints? meetingPoints) : IReactorRuntime
{
    private readonly List<ThreadReactor> _reactors = new();

    public IReadOnlyList<ThreadReactor> Reactors => _reactors;

    public IReactor CreateReactor(string name)
    {
        var reactor = new ThreadReactor(name, meetingPoints);
        _reactors.Add(reactor);
        return reactor;
    }
}
