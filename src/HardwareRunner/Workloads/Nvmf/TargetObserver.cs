using Harness.Transport.RdmaCm;
using Harness.Transport.Target;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>
/// Watches the target: its SPDK-format log lines go to <c>log</c> (the trace) and are counted, the first error lines
/// kept for the summary; every qpair is checked for leaks as it is destroyed.
/// </summary>
internal sealed class TargetObserver : ITargetObserver
{
    /// <summary>Error lines kept for the summary.</summary>
    public const int ErrorLinesKept = 8;

    private readonly Action<string>? _log;

    public TargetObserver(Action<string>? log) => _log = log;

    /// <summary>Log lines seen.</summary>
    public long Lines { get; private set; }

    /// <summary>The first <see cref="ErrorLinesKept"/> <c>*ERROR*</c> lines.</summary>
    public List<string> FirstErrors { get; } = new();

    /// <summary>Qpairs destroyed (each checked for leaks).</summary>
    public int QpairsDestroyed { get; private set; }

    /// <inheritdoc/>
    public void OnRequestState(RdmaRequest request)
    {
    }

    /// <inheritdoc/>
    public void OnCmEvent(CmEvent ev)
    {
    }

    /// <inheritdoc/>
    public void OnQpairDestroying(RdmaQpair qpair)
    {
        QpairsDestroyed++;
        TargetInvariants.CheckDestroyed(qpair);
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
