using Harness.Sim.Contract;
using Harness.Transport.Invariants;

namespace Harness.Tests.Properties.Support;

/// <summary>Asserts that a call breaks the simulator's verbs contract with a given rule.</summary>
public static class ContractAssert
{
    /// <summary>The call stops the run as verbs-contract violation <paramref name="rule"/>; returns the violation.</summary>
    public static InvariantViolationException Violates(string rule, Action call)
    {
        var violation = Assert.Throws<InvariantViolationException>(call);
        Assert.Equal(VerbsContract.Invariant, violation.Invariant);
        Assert.StartsWith(rule + ":", violation.Detail, StringComparison.Ordinal);
        return violation;
    }

    /// <summary>As <see cref="Violates(string, Action)"/> for a call that returns an errno.</summary>
    public static InvariantViolationException Violates(string rule, Func<int> call) => Violates(rule, () => { _ = call(); });
}
