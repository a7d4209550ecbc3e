using Harness.Tests.Systematic.Coyote;
using Harness.Transport.Target;
using Xunit.Abstractions;

namespace Harness.Tests.Systematic.Host;

/// <summary>
/// Coyote explores the host scenarios with the transport as built (known defects from HARNESS_DEFECT): nothing may be
/// found. With <c>HARNESS_DEFECT=lingering-without-ctrlr-lock</c> these fail, with the trace and the replay command.
/// </summary>
public sealed class HostScenarioTests(ITestOutputHelper output)
{
    /// <summary>Schedules per scenario in CI (HARNESS_COYOTE_ITERATIONS overrides; nightly: many more).</summary>
    public const uint CiIterations = 100;

    [Fact]
    public void ControllerDeletionRacingEventPolling() =>
        Explore(nameof(ControllerDeletionRacingEventPolling), () => HostScenarios.ControllerDeletionRacingEventPolling(KnownDefectNames.FromEnvironment()));

    [Fact]
    public void SharedChannelDisconnects() =>
        Explore(nameof(SharedChannelDisconnects), () => HostScenarios.SharedChannelDisconnects(KnownDefectNames.FromEnvironment()));

    [Fact]
    public void ControllerResetRacingIo() =>
        Explore(nameof(ControllerResetRacingIo), () => HostScenarios.ControllerResetRacingIo(KnownDefectNames.FromEnvironment()));

    private void Explore(string name, Func<Task> scenario)
    {
        var result = Exploration.Run(name, scenario, ExplorationSettings.FromEnvironment(CiIterations));
        output.WriteLine(result.Summary);
        output.WriteLine($"lingering: {QpairWatcher.DebugLingering}");
        Assert.True(result.UncontrolledInvocations.Count == 0, result.FailureMessage());
        Assert.False(result.FoundBug, result.FailureMessage());
    }
}
