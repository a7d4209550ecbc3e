using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// What a test or the simulator (coverage) observes of the host transport: qpair state changes, CM events as a qpair
/// consumes them, error completions. Called on the thread that made the change (possibly holding the controller lock);
/// an observer must not call into the host. Null in <see cref="HostOptions.Observer"/>: nothing is done.
/// </summary>
public interface IHostObserver
{
    /// <summary><paramref name="qpair"/> went from <paramref name="from"/> to its current state.</summary>
    void OnQpairState(NvmeRdmaQpair qpair, NvmeRdmaQpairState from);

    /// <summary><paramref name="qpair"/> is about to act on <paramref name="ev"/> from its slot, in its current state.</summary>
    void OnCmEvent(NvmeRdmaQpair qpair, CmEvent ev);

    /// <summary>A completion of <paramref name="qpair"/> with an error status (flushes included) reached the transport.</summary>
    void OnErrorCompletion(NvmeRdmaQpair qpair, NvmeRdmaWrType type, WcStatus status);
}
