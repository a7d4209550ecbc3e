using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>
/// What the simulator (or a test) observes of the target: request states, CM and async events, error completions, log
/// lines. Called on the thread that made the change; an observer must not change the target.
/// </summary>
public interface ITargetObserver
{
    /// <summary><paramref name="request"/> went from <paramref name="from"/> to its current state.</summary>
    void OnRequestState(RdmaRequest request, RdmaRequestState from);

    /// <summary>The acceptor got <paramref name="ev"/> and is about to act on it (its qpair, if any, still in the state it met).</summary>
    void OnCmEvent(CmEvent ev);

    void OnQpairDestroying(RdmaQpair qpair);

    void OnLog(string line);

    /// <summary>
    /// A completion with an error status reached the poller (flushes included), before it is dispatched on its WR type.
    /// Only coverage needs it, hence the empty default.
    /// </summary>
    void OnErrorCompletion(RdmaWrType type, WcStatus status)
    {
    }

    /// <summary>
    /// The acceptor got async event <paramref name="type"/> for <paramref name="qpair"/> (null: a device event or a QP
    /// the target does not know) and is about to act on it. Only coverage needs it, hence the empty default.
    /// </summary>
    void OnAsyncEvent(RdmaQpair? qpair, AsyncEventType type)
    {
    }
}
