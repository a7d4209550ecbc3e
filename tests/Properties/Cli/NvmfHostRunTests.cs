using Harness.Transport.Target;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// <c>harness run</c> with the SPDK-model host (src/Transport/Host behind NvmeRdmaHostDriver) against the target: the
/// done-when runs of the host issue, controller resets and deletions in the middle of the I/O, and the
/// lingering-without-ctrlr-lock defect found by the disconnects profile. Defects named by HARNESS_DEFECT are added to
/// every run that must pass, so the suite fails with them.
/// </summary>
public sealed class NvmfHostRunTests
{
    /// <summary>
    /// Disconnect seeds chosen to cover controller resets (1, 12), deletions and re-attaches (17, 19, 22), slow host CQs
    /// (1, 12, 17, 22) and a deletion racing connects in flight (19); the test checks the coverage from the faults lines.
    /// </summary>
    private static readonly int[] DisconnectSeeds = [1, 3, 12, 17, 19, 22, 25];

    [Fact]
    public void Four_qpairs_on_four_host_threads_verify_every_read_of_20000_ios_and_exit_0()
    {
        var run = Run("run", "--qpairs", "4", "--ios", "20000", "--seed", "5");

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal((20000L, 20000L, 0L), run.Ios);
        Assert.Contains(run.Lines, l => l.StartsWith("qpairs: 5 connected, 0 failed", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l.StartsWith("verified: ", StringComparison.Ordinal) && !l.StartsWith("verified: 0 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void Disconnects_with_controller_resets_and_deletions_in_the_middle_of_the_io_break_nothing()
    {
        var faults = new List<string>();
        foreach (var seed in DisconnectSeeds)
        {
            var run = Run("run", "--qpairs", "4", "--faults", "disconnects", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(run.Exit == 0, run.ToString());
            var (requested, completed, failed) = run.Ios;
            Assert.Equal(requested, completed + failed);
            faults.Add(run.Lines[0]);
        }

        // The seeds cover what the profile is for: both controller actions and lingering qpairs (slow CQs).
        Assert.Contains(faults, l => l.Contains("controller reset at", StringComparison.Ordinal));
        Assert.Contains(faults, l => l.Contains("controller delete and re-attach at", StringComparison.Ordinal));
        Assert.Contains(faults, l => l.Contains("host I/O completion queues", StringComparison.Ordinal));
    }

    [Fact]
    public void With_lingering_without_ctrlr_lock_some_disconnect_seeds_hang_in_rdma_destroy_id_and_the_replay_names_the_defect()
    {
        var hangs = new List<HarnessRun>();
        foreach (var seed in DisconnectSeeds)
        {
            var run = HarnessRun.Of("run", "--qpairs", "4", "--faults", "disconnects", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--defect", KnownDefectNames.LingeringWithoutCtrlrLock);
            Assert.True(run.Exit is 0 or 1, run.ToString());
            if (run.Exit == 1)
            {
                hangs.Add(run);
            }
        }

        Assert.NotEmpty(hangs);
        foreach (var hang in hangs)
        {
            Assert.Contains("invariant broken: hang: rdma_destroy_id(", hang.Stderr, StringComparison.Ordinal);
            Assert.Contains("never acked", hang.Stderr, StringComparison.Ordinal);
            Assert.Contains("--defect lingering-without-ctrlr-lock", hang.Stderr, StringComparison.Ordinal);
        }
    }

    /// <summary>A run that must pass, with the defects HARNESS_DEFECT names switched on (so the suite has teeth).</summary>
    private static HarnessRun Run(params string[] args)
    {
        var defects = KnownDefectNames.FromEnvironment();
        var extra = KnownDefectNames.All.Where(n => KnownDefectNames.TryParse(n, out var d) && (defects & d) != 0).SelectMany(n => new[] { "--defect", n });
        return HarnessRun.Of([.. args, .. extra]);
    }
}
