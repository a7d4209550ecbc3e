using Harness.Transport.Threading;

namespace Harness.Tests.Properties.Host.Support;

/// <summary>
/// A reactor the test runs by hand: its pollers run only when <see cref="PollOnce"/> is called, so a test decides
/// exactly which "thread" runs when (e.g. the thread of qpair B polling the shared CM channel before A's does).
/// </summary>
public sealed class ManualReactor(string name) : IReactor
{
    private readonly object _gate = new();
    private readonly List<IPoller> _pollers = new();
    private readonly ThreadMessageQueue _messages = new(name);
    private IPoller[] _snapshot = Array.Empty<IPoller>();
    private long _polls;

    public string Name => name;

    /// <summary>Calls of <see cref="PollOnce"/> that have finished (any thread may read it).</summary>
    public long Polls => Interlocked.Read(ref _polls);

    public void AddPoller(IPoller poller)
    {
        lock (_gate)
        {
            _pollers.Add(poller);
            _snapshot = _pollers.ToArray();
        }
    }

    public void RemovePoller(IPoller poller)
    {
        lock (_gate)
        {
            _pollers.Remove(poller);
            _snapshot = _pollers.ToArray();
        }
    }

    /// <inheritdoc/>
    public void SendMessage(ThreadMessageFn fn, object? ctx) => _messages.Send(fn, ctx);

    public void Notify()
    {
        // The test polls it (PollOnce), at least every ProbedRun.ProbePeriodNs: nothing sleeps.
    }

    /// <summary>Runs a batch of messages, then every poller once (on the calling thread); returns the work they reported.</summary>
    public int PollOnce()
    {
        var work = _messages.RunBatch();
        foreach (var poller in Volatile.Read(ref _snapshot))
        {
            work += poller.Poll();
        }

        Interlocked.Increment(ref _polls);
        return work;
    }

    /// <inheritdoc/>
    public override string ToString() => $"manual reactor {name}";
}
