using System.Globalization;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// One verbs call the fault executor made (or could not make): when (ns since the run started), which call on which
/// object, its result, and the plan's action. <see cref="Injected"/> is false for an action that never happened (the
/// run ended first, its QP was gone), with the reason in <see cref="Call"/>.
/// </summary>
public sealed record InjectedAction(long AtNs, HardwareAction Action, string Call, string On, int Rc, bool Injected = true)
{
    /// <summary>True when the call was made and returned 0.</summary>
    public bool Succeeded => Injected && Rc == Errno.Ok;

    /// <summary>One report line.</summary>
    public override string ToString() => Injected
        ? string.Create(CultureInfo.InvariantCulture, $"[{AtNs / 1e6:0.000} ms] {Action.Side.ToName()}: {Call} on {On} = {(Rc == Errno.Ok ? "0" : Errno.Name(Rc))} (for {Action.Source})")
        : $"not injected: {Action.Describe()}: {Call}";
}
