using Harness.Transport.Target;
using Harness.Transport.Threading;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>
/// The reactors the target transport runs on, with one addition of the harness: after every poll, <c>afterPoll</c> runs
/// (the target's invariants: <see cref="TargetOracle.AfterPoll"/>). The target's state changes only inside its pollers,
/// so checking after each of them is checking after every simulator event that could break something. A wrapped
/// poller keeps its deadlines (<see cref="ITimedPoller"/>), so a reactor with a command in the controller sleeps until
/// the controller answers.
/// </summary>
internal sealed class TargetReactorRuntime : IReactorRuntime
{
    private readonly IReactorRuntime _inner;
    private readonly Action _afterPoll;

    public TargetReactorRuntime(IReactorRuntime inner, Action afterPoll)
    {
        _inner = inner;
        _afterPoll = afterPoll;
    }

    /// <inheritdoc/>
    public IReactor CreateReactor(string name) => new TargetReactor(_inner.CreateReactor(name), this);

    private sealed class TargetReactor(IReactor inner, TargetReactorRuntime runtime) : IReactor
    {
        private readonly Dictionary<IPoller, IPoller> _wrapped = new();

        public string Name => inner.Name;

        public void AddPoller(IPoller poller)
        {
            var wrapped = new TargetPoller(poller, runtime);
            _wrapped[poller] = wrapped;
            inner.AddPoller(wrapped);
        }

        public void RemovePoller(IPoller poller)
        {
            if (_wrapped.Remove(poller, out var wrapped))
            {
                inner.RemovePoller(wrapped);
            }
        }

        public void SendMessage(ThreadMessageFn fn, object? ctx) => inner.SendMessage(fn, ctx);

        public void Notify() => inner.Notify();
    }

    private sealed class TargetPoller(IPoller inner, TargetReactorRuntime runtime) : ITimedPoller
    {
        public string Name => inner.Name;

        public long NextRunNs => inner is ITimedPoller timed ? timed.NextRunNs : ITimedPoller.Never;

        public int Poll()
        {
            var work = inner.Poll();
            runtime._afterPoll();
            return work;
        }
    }
}
