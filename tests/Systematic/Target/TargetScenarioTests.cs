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

    [Fact]
    public void DisconnectRacingFini() =>
        Explore(nameof(DisconnectRacingFini), () => TargetScenarios.DisconnectRacingFini(KnownDefectNames.FromEnvironment()));

    /// <summary>
    /// Proof of power for docs/findings/013: with <c>disconnect-message-after-destroy</c> (SPDK HEAD: DISCONNECTED acked
    /// before the qpair is used, disconnect messages that hold nothing) Coyote finds a qpair used after it was freed; the
    /// fixed target survives the same exploration (same strategy, seed and number of schedules).
    /// </summary>
    [Fact]
    public void Coyote_finds_a_disconnect_after_destroy_and_the_fixed_target_survives()
    {
        var settings = ExplorationSettings.FromEnvironment(DisconnectProofIterations);
        var defective = Exploration.Run(nameof(DisconnectRacingFini), () => TargetScenarios.DisconnectRacingFini(KnownDefects.DisconnectMessageAfterDestroy), settings);
        output.WriteLine(defective.Summary);
        Assert.True(defective.FoundBug, $"Coyote did not find disconnect-message-after-destroy: {defective.Summary}");
        Assert.Contains("object-lifetime", string.Join("\n", defective.Bugs), StringComparison.Ordinal);
        output.WriteLine(defective.FailureMessage());

        var fixedSettings = settings with { Iterations = (uint)Math.Max(1, defective.Iterations) };
        var fixedTarget = Exploration.Run(nameof(DisconnectRacingFini), () => TargetScenarios.DisconnectRacingFini(KnownDefects.None), fixedSettings);
        output.WriteLine(fixedTarget.Summary);
        Assert.False(fixedTarget.FoundBug, fixedTarget.FailureMessage());
        Assert.Empty(fixedTarget.UncontrolledInvocations);
    }

    [Fact]
    public void HandOffRacingDisconnects() =>
        Explore(nameof(HandOffRacingDisconnects), () => TargetScenarios.HandOffRacingDisconnects(KnownDefectNames.FromEnvironment()));

    [Fact]
    public void AdminDisconnectRacingIo() =>
        Explore(nameof(AdminDisconnectRacingIo), () => TargetScenarios.AdminDisconnectRacingIo(KnownDefectNames.FromEnvironment()), AdminDisconnectCiIterations);

    [Fact]
    public void LastWqeRacingDeviceRemoval() =>
        Explore(nameof(LastWqeRacingDeviceRemoval), () => TargetScenarios.LastWqeRacingDeviceRemoval(KnownDefectNames.FromEnvironment()), LastWqeCiIterations);

    /// <summary>
    /// Proof of power for the LAST_WQE_REACHED context guard (HEAD's nvmf_rdma_qpair_clean_ibv_events, rdma.c:859, which
    /// the port has): a mutation inside this test takes the context away from each qpair as it is destroyed, so the
    /// destroy cannot clear it, as if the guard were missing. Coyote must then find a LAST_WQE_REACHED message running
    /// on a freed qpair (object-lifetime); the unmutated target survives the same exploration.
    /// </summary>
    [Fact]
    public void Coyote_finds_a_last_wqe_message_after_destroy_without_the_context_guard()
    {
        var settings = ExplorationSettings.FromEnvironment(LastWqeProofIterations);
        var mutated = Exploration.Run(nameof(LastWqeRacingDeviceRemoval),
            () => TargetScenarios.LastWqeRacingDeviceRemoval(KnownDefects.None, destroying: q => q.LastWqeReachedCtx = null), settings);
        output.WriteLine(mutated.Summary);
        Assert.True(mutated.FoundBug, $"Coyote did not find the LAST_WQE_REACHED message after the destroy: {mutated.Summary}");
        Assert.Contains("LAST_WQE_REACHED message ran on a freed qpair", string.Join("\n", mutated.Bugs), StringComparison.Ordinal);
        output.WriteLine(mutated.FailureMessage());

        var fixedSettings = settings with { Iterations = (uint)Math.Max(1, mutated.Iterations) };
        var fixedTarget = Exploration.Run(nameof(LastWqeRacingDeviceRemoval), () => TargetScenarios.LastWqeRacingDeviceRemoval(KnownDefects.None), fixedSettings);
        output.WriteLine(fixedTarget.Summary);
        Assert.False(fixedTarget.FoundBug, fixedTarget.FailureMessage());
        Assert.Empty(fixedTarget.UncontrolledInvocations);
    }

    /// <summary>Schedules of the admin-disconnect scenario in CI (I/O on two qpairs).</summary>
    public const uint AdminDisconnectCiIterations = 20;

    /// <summary>Schedules of the LAST_WQE_REACHED scenario in CI (I/O and a device removal: long schedules).</summary>
    public const uint LastWqeCiIterations = 20;

    /// <summary>Schedules the mutated target may take before the LAST_WQE_REACHED proof fails (a cap: seed 1 finds it at schedule 4, 2026-12-06).</summary>
    public const uint LastWqeProofIterations = 300;

    /// <summary>Schedules the defective target may take before the proof fails.</summary>
    public const uint DisconnectProofIterations = 200;

    private void Explore(string name, Func<Task> scenario, uint iterations = CiIterations)
    {
        var result = Exploration.Run(name, scenario, ExplorationSettings.FromEnvironment(iterations));
        output.WriteLine(result.Summary);
        Assert.True(result.UncontrolledInvocations.Count == 0, result.FailureMessage());
        Assert.False(result.FoundBug, result.FailureMessage());
    }
}
