using Harness.Transport.Host;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Sim.Coverage;

/// <summary>Counts what the host transport does into a <see cref="CoverageMap"/> (an <see cref="IHostObserver"/>; array increments only).</summary>
public sealed class HostCoverageProbe : IHostObserver
{
    private readonly CoverageMap _map;

    internal HostCoverageProbe(CoverageMap map) => _map = map;

    /// <inheritdoc/>
    public void OnQpairState(NvmeRdmaQpair qpair, NvmeRdmaQpairState from) => _map.HostQpairTransitions.Hit((int)from, (int)qpair.State);

    /// <inheritdoc/>
    public void OnCmEvent(NvmeRdmaQpair qpair, CmEvent ev) => _map.HostCmEvents.Hit((int)ev.EventType, (int)qpair.State);

    /// <inheritdoc/>
    public void OnErrorCompletion(NvmeRdmaQpair qpair, NvmeRdmaWrType type, WcStatus status) => _map.HostErrorCompletions.Hit((int)status, (int)type);
}
