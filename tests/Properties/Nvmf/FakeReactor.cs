using Harness.Transport.Threading;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>A thread for the controller-layer tests: pollers run when the test says (<see cref="RunPollers"/>); messages at once.</summary>
public sealed class FakeReactor(string name) : IReactor
{
    private readonly List<IPoller> _pollers = new();

    public string Name { get; } = name;

    public IReadOnlyList<IPoller> Pollers => _pollers;

    public void AddPoller(IPoller poller) => _pollers.Add(poller);

    public void RemovePoller(IPoller poller) => _pollers.Remove(poller);

    public void SendMessage(ThreadMessageFn fn, object? ctx) => fn(ctx);

    public void Notify()
    {
        // The test runs the pollers itself (RunPollers): nothing sleeps.
    }

    /// <summary>One round of this thread's pollers; returns the work they did.</summary>
    public int RunPollers()
    {
        var work = 0;
        foreach (var poller in _pollers.ToArray())
        {
            work += poller.Poll();
        }

        return work;
    }
}
