using Microsoft.Coyote.Specifications;
using CoyoteMonitor = Microsoft.Coyote.Specifications.Monitor;

namespace Harness.Tests.Systematic.Specifications;

/// <summary>
/// Liveness: every disconnect that begins eventually finishes (a qpair that entered EXITING reaches EXITED, on either
/// side of the fabric). Hot while one is in progress: a schedule that ends, or runs on without end, with a disconnect
/// still in progress is a hang (SPDK #3347: "NVMe path still exists after delete"). Safety: a disconnect cannot finish
/// twice or without having begun.
/// </summary>
public sealed class DisconnectsFinish : CoyoteMonitor
{
    private readonly HashSet<string> _inProgress = new(StringComparer.Ordinal);

    [Start]
    [Cold]
    [OnEventDoAction(typeof(Began), nameof(OnBegan))]
    [OnEventDoAction(typeof(Ended), nameof(OnEnded))]
    private sealed class Quiet : State
    {
    }

    [Hot]
    [OnEventDoAction(typeof(Began), nameof(OnBegan))]
    [OnEventDoAction(typeof(Ended), nameof(OnEnded))]
    private sealed class Disconnecting : State
    {
    }

    private void OnBegan(Event e)
    {
        var qpair = ((Began)e).Qpair;
        Assert(_inProgress.Add(qpair), "{0} began a disconnect while its previous one had not finished", qpair);
        RaiseGotoStateEvent<Disconnecting>();
    }

    private void OnEnded(Event e)
    {
        var qpair = ((Ended)e).Qpair;
        Assert(_inProgress.Remove(qpair), "{0} finished a disconnect it never began", qpair);
        if (_inProgress.Count == 0)
        {
            RaiseGotoStateEvent<Quiet>();
        }
    }

    /// <summary>A qpair began disconnecting.</summary>
    public sealed class Began(string qpair) : Event
    {
        public string Qpair { get; } = qpair;
    }

    /// <summary>A qpair finished disconnecting (destroyed, EXITED).</summary>
    public sealed class Ended(string qpair) : Event
    {
        public string Qpair { get; } = qpair;
    }
}
