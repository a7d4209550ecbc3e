using Harness.Sim.Oracle;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>
/// Watches the target: its SPDK-format log lines go to <c>log</c> (the trace) and are counted, the first error lines
/// kept for the summary; every qpair is checked for leaks as it is destroyed. The transport's events go on to the
/// probe, if any (coverage: <c>harness sweep --coverage</c>); without one nothing is done per event.
/// </summary>
internal sealed class TargetObserver : ITargetObserver
{
    /// <summary>Error lines kept for the summary.</summary>
    public const int ErrorLinesKept = 8;

    private readonly Action<string>? _log;
    private readonly ITargetObserver? _probe;

    public TargetObserver(Action<string>? log, ITargetObserver? probe = null)
    {
        _log = log;
        _probe = probe;
    }

    /// <summary>Log lines seen.</summary>
    public long Lines { get; private set; }

    /// <summary>The first <see cref="ErrorLinesKept"/> <c>*ERROR*</c> lines.</summary>
    public List<string> FirstErrors { get; } = new();

    /// <summary>Qpairs destroyed (each checked for leaks).</summary>
    public int QpairsDestroyed { get; private set; }

    /// <inheritdoc/>
    public void OnRequestState(RdmaRequest request, RdmaRequestState from)
    {
        if (request.State == RdmaRequestState.Free)
        {
            RequestWrLifetime.CheckFreed(request);
        }

        _probe?.OnRequestState(request, from);
    }

    /// <inheritdoc/>
    public void OnCmEvent(CmEvent ev) => _probe?.OnCmEvent(ev);

    /// <inheritdoc/>
    public void OnErrorCompletion(RdmaWrType type, WcStatus status) => _probe?.OnErrorCompletion(type, status);

    /// <inheritdoc/>
    public void OnAsyncEvent(RdmaQpair? qpair, AsyncEventType type) => _probe?.OnAsyncEvent(qpair, type);

    /// <inheritdoc/>
    public void OnQpairDestroying(RdmaQpair qpair)
    {
        QpairsDestroyed++;
        TargetInvariants.CheckDestroyed(qpair);
        _probe?.OnQpairDestroying(qpair);
    }

    /// <inheritdoc/>
    public void OnLog(string line)
    {
        Lines++;
        if (FirstErrors.Count < ErrorLinesKept && line.Contains("*ERROR*", StringComparison.Ordinal))
        {
            FirstErrors.Add(line);
        }

        _log?.Invoke(line);
    }
}
