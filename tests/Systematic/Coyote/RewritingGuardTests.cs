namespace Harness.Tests.Systematic.Coyote;

/// <summary>The build's rewrite step ran on every assembly the systematic tests explore.</summary>
public sealed class RewritingGuardTests
{
    [Fact]
    public void Transport_simulator_and_tests_are_rewritten_for_coyote()
    {
        var missing = RewritingGuard.NotRewritten();
        Assert.True(missing.Count == 0, $"not rewritten by Coyote: {string.Join(", ", missing)}");
    }

    [Fact]
    public void The_guard_recognises_an_assembly_that_was_not_rewritten()
    {
        // xunit's own assembly is never rewritten: the check that protects every exploration must say so.
        Assert.False(RewritingGuard.IsRewritten(typeof(FactAttribute).Assembly));
    }
}
