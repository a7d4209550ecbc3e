using Microsoft.Coyote.Specifications;
using CoyoteMonitor = Microsoft.Coyote.Specifications.Monitor;

namespace Harness.Tests.Systematic.Specifications;

/// <summary>
/// Every submitted command completes exactly once (DESIGN.md: "every host command gets exactly one completion or its
/// qpair is reported failed"; here the host reports a failed qpair's commands as ABORTED - SQ DELETION completions).
/// Liveness: hot while any command is outstanding. Safety: a completion for a command not outstanding fails at once.
/// </summary>
public sealed class CommandsComplete : CoyoteMonitor
{
    private readonly HashSet<long> _outstanding = new();

    [Start]
    [Cold]
    [OnEventDoAction(typeof(Submitted), nameof(OnSubmitted))]
    [OnEventDoAction(typeof(Completed), nameof(OnCompleted))]
    private sealed class Idle : State
    {
    }

    [Hot]
    [OnEventDoAction(typeof(Submitted), nameof(OnSubmitted))]
    [OnEventDoAction(typeof(Completed), nameof(OnCompleted))]
    private sealed class Waiting : State
    {
    }

    private void OnSubmitted(Event e)
    {
        var id = ((Submitted)e).Id;
        Assert(_outstanding.Add(id), "command {0} submitted twice", id);
        RaiseGotoStateEvent<Waiting>();
    }

    private void OnCompleted(Event e)
    {
        var c = (Completed)e;
        Assert(_outstanding.Remove(c.Id), "command {0} completed ({1}) but it was not outstanding: a second completion", c.Id, c.Status);
        if (_outstanding.Count == 0)
        {
            RaiseGotoStateEvent<Idle>();
        }
    }

    /// <summary>Command <see cref="Id"/> was submitted.</summary>
    public sealed class Submitted(long id) : Event
    {
        public long Id { get; } = id;
    }

    /// <summary>Command <see cref="Id"/> completed with <see cref="Status"/>.</summary>
    public sealed class Completed(long id, string status) : Event
    {
        public long Id { get; } = id;

        public string Status { get; } = status;
    }
}
