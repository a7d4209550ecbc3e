using Harness.Transport.Target;
using Harness.Transport.Threading;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>
/// The reactors the target transport runs on, with two additions of the harness:
/// <list type="bullet">
/// <item>after every poll, <c>check</c> runs (the target's invariants): the target's state changes only inside its
/// pollers, so checking after each of them is checking after every simulator event that could break something;</item>
/// <item>a poll group with a command executing in the controller reports itself busy (as SPDK's reactors, which never
/// sleep). The transport models the controller's latency as a timed wait the poller cannot announce, and a simulated
/// reactor whose pollers report no work parks for up to 1 ms: without this, every command would take a millisecond
/// whenever nothing else happened.</item>
/// </list>
/// </summary>
internal sealed class TargetReactorRuntime : IReactorRuntime
{
    /// <summary>The acceptor's poller (CM events): it has no timed waits, so it may park.</summary>
    private const string AcceptorPollerName = "nvmf_rdma_accept";

    private readonly IReactorRuntime _inner;
    private readonly NvmfRdmaTransport _transport;
    private readonly Action _check;

    public TargetReactorRuntime(IReactorRuntime inner, NvmfRdmaTransport transport, Action check)
    {
        _inner = inner;
        _transport = transport;
        _check = check;
    }

    /// <inheritdoc/>
    public IReactor CreateReactor(string name) => new TargetReactor(_inner.CreateReactor(name), this);

    /// <summary>True when some live qpair has a command in the controller.</summary>
    private bool AnyExecuting()
    {
        var qpairs = _transport.Qpairs;
        for (var i = 0; i < qpairs.Count; i++)
        {
            if (qpairs[i].Executing > 0 && !qpairs[i].Destroyed)
            {
                return true;
            }
        }

        return false;
    }

    private sealed class TargetReactor(IReactor inner, TargetReactorRuntime runtime) : IReactor
    {
        private readonly Dictionary<IPoller, IPoller> _wrapped = new();

        public string Name => inner.Name;

        public void AddPoller(IPoller poller)
        {
            var wrapped = new TargetPoller(poller, runtime, poller.Name != AcceptorPollerName);
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
    }

    private sealed class TargetPoller(IPoller inner, TargetReactorRuntime runtime, bool busyWhileExecuting) : IPoller
    {
        public string Name => inner.Name;

        public int Poll()
        {
            var work = inner.Poll();
            runtime._check();
            return work > 0 || !busyWhileExecuting || !runtime.AnyExecuting() ? work : 1;
        }
    }
}
