using Harness.Transport.RdmaCm;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Sim.Coverage;

/// <summary>Counts what the target transport does into a <see cref="CoverageMap"/> (an <see cref="ITargetObserver"/>; array increments only).</summary>
public sealed class TargetCoverageProbe : ITargetObserver
{
    private readonly CoverageMap _map;

    internal TargetCoverageProbe(CoverageMap map) => _map = map;

    /// <inheritdoc/>
    public void OnRequestState(RdmaRequest request, RdmaRequestState from) => _map.TargetRequestTransitions.Hit((int)from, (int)request.State);

    /// <inheritdoc/>
    public void OnCmEvent(CmEvent ev) => _map.TargetCmEvents.Hit((int)ev.EventType, Column(ev.Id.Context as RdmaQpair));

    /// <inheritdoc/>
    public void OnErrorCompletion(RdmaWrType type, WcStatus status) => _map.TargetErrorCompletions.Hit((int)status, (int)type);

    /// <inheritdoc/>
    public void OnAsyncEvent(RdmaQpair? qpair, AsyncEventType type) => _map.TargetAsyncEvents.Hit((int)type, Column(qpair));

    /// <inheritdoc/>
    public void OnQpairDestroying(RdmaQpair qpair)
    {
    }

    /// <inheritdoc/>
    public void OnLog(string line)
    {
    }

    /// <summary>Column of the qpair's state in the event categories (0: no qpair).</summary>
    private static int Column(RdmaQpair? qpair) => qpair == null ? 0 : (int)qpair.GenericState + 1;
}
