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
    public const uint CiIterations = 50;

    /// <summary>The reset scenario's schedules are long (a whole reconnect): fewer of them in CI.</summary>
    public const uint ResetCiIterations = 20;

    /// <summary>The disconnect-racing-connect scenario is short (no I/O).</summary>
    public const uint ConnectRaceCiIterations = 30;

    [Fact]
    public void ControllerDeletionRacingEventPolling() =>
        Explore(nameof(ControllerDeletionRacingEventPolling), () => HostScenarios.ControllerDeletionRacingEventPolling(KnownDefectNames.FromEnvironment()));

    [Fact]
    public void SharedChannelDisconnects() =>
        Explore(nameof(SharedChannelDisconnects), () => HostScenarios.SharedChannelDisconnects(KnownDefectNames.FromEnvironment()));

    [Fact]
    public void ControllerResetRacingIo() =>
        Explore(nameof(ControllerResetRacingIo), () => HostScenarios.ControllerResetRacingIo(KnownDefectNames.FromEnvironment()), ResetCiIterations);

    [Fact]
    public void DisconnectRacingConnect() =>
        Explore(nameof(DisconnectRacingConnect), () => HostScenarios.DisconnectRacingConnect(KnownDefectNames.FromEnvironment()), ConnectRaceCiIterations);

    private void Explore(string name, Func<Task> scenario, uint ciIterations = CiIterations)
    {
        var result = Exploration.Run(name, scenario, ExplorationSettings.FromEnvironment(ciIterations));
        output.WriteLine(result.Summary);
        Assert.True(result.UncontrolledInvocations.Count == 0, result.FailureMessage());
        Assert.False(result.FoundBug, result.FailureMessage());
    }
}
