using Harness.Tests.Systematic.Coyote;
using Harness.Transport.Target;
using Xunit.Abstractions;

namespace Harness.Tests.Systematic.Target;

/// <summary>Coyote explores the target scenarios with the transport as built (known defects from HARNESS_DEFECT): nothing may be found.</summary>
public sealed class TargetScenarioTests(ITestOutputHelper output)
{
    /// <summary>Schedules per scenario in CI (HARNESS_COYOTE_ITERATIONS overrides).</summary>
    public const uint CiIterations = 40;

    /// <summary>The error-drain scenario's schedules are long (32 KiB writes, eight READs each): fewer of them in CI.</summary>
    public const uint ErrorDrainCiIterations = 10;

    [Fact]
    public void PollersRacingCmDisconnects() =>
        Explore(nameof(PollersRacingCmDisconnects), () => TargetScenarios.PollersRacingCmDisconnects(KnownDefectNames.FromEnvironment()));

    [Fact]
    public void ErrorDrainRacingReceives() =>
        Explore(nameof(ErrorDrainRacingReceives), () => TargetScenarios.ErrorDrainRacingReceives(KnownDefectNames.FromEnvironment()), ErrorDrainCiIterations);

    [Fact]
    public void ConnectDataReadFailure() =>
        Explore(nameof(ConnectDataReadFailure), () => TargetScenarios.ConnectDataReadFailure(KnownDefectNames.FromEnvironment()), iterations: 10);

    private void Explore(string name, Func<Task> scenario, uint iterations = CiIterations)
    {
        var result = Exploration.Run(name, scenario, ExplorationSettings.FromEnvironment(iterations));
        output.WriteLine(result.Summary);
        Assert.True(result.UncontrolledInvocations.Count == 0, result.FailureMessage());
        Assert.False(result.FoundBug, result.FailureMessage());
    }
}
