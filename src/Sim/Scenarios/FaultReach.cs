using System.Globalization;

namespace Harness.Sim.Scenarios;

/// <summary>
/// The queue pairs a scenario's run can ever create on each side (creation ordinals 0..max; -1: none), so that a fault
/// aimed at a QP that never exists is refused when the file is loaded, as a command on a qpair the topology lacks is:
/// it could never fire. Known only where nothing creates QPs on its own: a command list (setup creates the admin and
/// I/O qpairs, and only <c>reset</c> and <c>reconnect</c> create more) and a snapshot (the restored qpairs, no host).
/// A random workload's host reconnects failed qpairs by itself, so there a fault that never fires is told after the run.
/// </summary>
public sealed record FaultReach(int TargetOrdinalMax, int HostOrdinalMax, string Why)
{
    /// <summary>The reach of a command list on <paramref name="qpairs"/> I/O qpairs.</summary>
    public static FaultReach OfCommands(IReadOnlyList<ScenarioCommand> commands, int qpairs)
    {
        var resets = commands.Count(c => c is ResetCommand);
        var reconnects = commands.Count(c => c is ReconnectCommand);

        // Each connect creates one QP on each side: setup connects the admin and every I/O qpair, a reset all of them
        // again, a reconnect one.
        var max = qpairs + (resets * (qpairs + 1)) + reconnects;
        var why = resets + reconnects == 0
            ? Inv($"the admin qpair and {qpairs} I/O qpair{Plural(qpairs)}; only reset and reconnect commands create more")
            : Inv($"the admin qpair, {qpairs} I/O qpair{Plural(qpairs)}, {resets} reset{Plural(resets)} and {reconnects} reconnect{Plural(reconnects)} at most");
        return new FaultReach(max, max, why);
    }

    /// <summary>The reach of a run from a snapshot with <paramref name="restored"/> qpairs: those, and no host.</summary>
    public static FaultReach OfSnapshot(int restored) =>
        new(restored - 1, -1, Inv($"a run from a snapshot has its {restored} restored qpair{Plural(restored)} on the target and no host QP"));

    /// <summary>Throws the error of the first fault in <paramref name="d"/> whose <c>qp</c> names a QP that never exists.</summary>
    /// <exception cref="ScenarioFormatException">Such a fault, named by its <c>faults[i].qp</c>.</exception>
    public void Check(ScenarioDocument d)
    {
        var faults = d.Scenario.Faults ?? Array.Empty<FaultSpec>();
        for (var i = 0; i < faults.Count; i++)
        {
            if (QpOf(faults[i]) is { } qp && Problem(qp) is { } problem)
            {
                throw d.Error(Inv($"/faults/{i}/qp"), problem);
            }
        }
    }

    /// <summary>Null when the selector <paramref name="qp"/> can match a QP of the run, else why it cannot.</summary>
    public string? Problem(string qp)
    {
        var selector = ScenarioNames.ParseQp(qp);
        var max = selector.Host switch
        {
            "target" => TargetOrdinalMax,
            "host" => HostOrdinalMax,
            _ => Math.Max(TargetOrdinalMax, HostOrdinalMax),
        };
        if (max >= (selector.Qp ?? 0))
        {
            return null;
        }

        var side = selector.Host ?? "*";
        var range = max < 0 ? Inv($"no {side} QP exists") : Inv($"the run creates {side}/0 to {side}/{max}");
        return $"{qp} is never created, so this fault can never fire: {range} ({Why})";
    }

    private static string? QpOf(FaultSpec fault) => fault switch
    {
        WcErrorSpec f => f.Qp,
        PacketDropSpec f => f.Qp,
        DisconnectSpec f => f.Qp,
        ForceQpErrorSpec f => f.Qp,
        AsyncEventSpec f => f.Qp,
        PostErrorSpec { Queue: not "srq" } f => f.Qp, // an SRQ fault's number is the SRQ's, not a QP's
        _ => null,
    };

    private static string Plural(int n) => n == 1 ? string.Empty : "s";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
