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

    /// <summary>Schedules of the stale-reconnect scenario in CI (two connects each, no I/O).</summary>
    public const uint StaleCiIterations = 30;

    /// <summary>Schedules the defective host may take before the stale-reconnect proof fails (a cap: seed 1 finds it at schedule 1, 2026-12-06).</summary>
    public const uint StaleProofIterations = 300;

    /// <summary>Schedules of the priority-strategy regression (its hang showed in the first one).</summary>
    public const uint PriorityCiIterations = 10;

    [Fact]
    public void ControllerDeletionRacingEventPolling() =>
        Explore(nameof(ControllerDeletionRacingEventPolling), () => HostScenarios.ControllerDeletionRacingEventPolling(KnownDefectNames.FromEnvironment()));

    /// <summary>
    /// The deletion again under a priority-based strategy, whose schedules can run the fabric's idle ticks (virtual time
    /// passing) before the admin thread polls even once. Regression: the deletion then asked the admin qpair to
    /// disconnect and reported no work, so nothing moved virtual time to the next admin poll and the delete hung
    /// (schedule 1 of prioritization, seed 1). A poller that changes state must say so.
    /// </summary>
    [Fact]
    public void ControllerDeletionUnderPriorityScheduling()
    {
        var settings = ExplorationSettings.FromEnvironment(PriorityCiIterations) with { Strategy = "prioritization", StrategyValue = null };
        Explore(nameof(ControllerDeletionUnderPriorityScheduling), () => HostScenarios.ControllerDeletionRacingEventPolling(KnownDefectNames.FromEnvironment()), settings);
    }

    [Fact]
    public void SharedChannelDisconnects() =>
        Explore(nameof(SharedChannelDisconnects), () => HostScenarios.SharedChannelDisconnects(KnownDefectNames.FromEnvironment()));

    [Fact]
    public void ControllerResetRacingIo() =>
        Explore(nameof(ControllerResetRacingIo), () => HostScenarios.ControllerResetRacingIo(KnownDefectNames.FromEnvironment()), ResetCiIterations);

    [Fact]
    public void DisconnectRacingConnect() =>
        Explore(nameof(DisconnectRacingConnect), () => HostScenarios.DisconnectRacingConnect(KnownDefectNames.FromEnvironment()), ConnectRaceCiIterations);

    [Fact]
    public void StaleReconnectRacingEventPolling() =>
        Explore(nameof(StaleReconnectRacingEventPolling), () => HostScenarios.StaleReconnectRacingEventPolling(KnownDefectNames.FromEnvironment()), StaleCiIterations);

    /// <summary>
    /// Proof of power for docs/findings/010: with <c>stale-reconnect-without-ctrlr-lock</c> (SPDK HEAD: the reconnect
    /// after a stale reject runs without the controller lock) Coyote finds a reconnect that lost its ADDR_RESOLVED to
    /// another thread draining the shared channel and waits for it for ever; the fixed host survives the same
    /// exploration (same strategy, seed and number of schedules).
    /// </summary>
    [Fact]
    public void Coyote_finds_a_stale_reconnect_without_the_lock_and_the_fixed_host_survives()
    {
        var settings = ExplorationSettings.FromEnvironment(StaleProofIterations);
        var defective = Exploration.Run(nameof(StaleReconnectRacingEventPolling), () => HostScenarios.StaleReconnectRacingEventPolling(KnownDefects.StaleReconnectWithoutCtrlrLock), settings);
        output.WriteLine(defective.Summary);
        Assert.True(defective.FoundBug, $"Coyote did not find stale-reconnect-without-ctrlr-lock: {defective.Summary}");
        Assert.True(defective.FailingState?.Contains("INITIALIZING", StringComparison.Ordinal) == true, defective.FailureMessage());
        output.WriteLine(defective.FailureMessage());

        var fixedSettings = settings with { Iterations = (uint)Math.Max(1, defective.Iterations) };
        var fixedHost = Exploration.Run(nameof(StaleReconnectRacingEventPolling), () => HostScenarios.StaleReconnectRacingEventPolling(KnownDefects.None), fixedSettings);
        output.WriteLine(fixedHost.Summary);
        Assert.False(fixedHost.FoundBug, fixedHost.FailureMessage());
        Assert.Empty(fixedHost.UncontrolledInvocations);
    }

    private void Explore(string name, Func<Task> scenario, uint ciIterations = CiIterations) =>
        Explore(name, scenario, ExplorationSettings.FromEnvironment(ciIterations));

    /// <summary>Explores <paramref name="scenario"/>: no uncontrolled call in the transport, no bug found.</summary>
    private void Explore(string name, Func<Task> scenario, ExplorationSettings settings)
    {
        var result = Exploration.Run(name, scenario, settings);
        output.WriteLine(result.Summary);
        Assert.True(result.UncontrolledInvocations.Count == 0, result.FailureMessage());
        Assert.False(result.FoundBug, result.FailureMessage());
    }
}
