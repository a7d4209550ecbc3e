using Harness.HardwareRunner.Scenarios;
using Harness.Sim.Scenarios;
using Harness.Tests.Properties.Scenarios;
using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// Goal: fused Compare-and-Write through the whole stack as SPDK HEAD orders it (rdma.c:nvmf_rdma_check_fused_ordering
/// and READY_TO_EXECUTE), and docs/findings/020: with <c>fused-first-not-cleared</c> (HEAD's free) the target reads a
/// freed request through <c>fused_first</c> or through the other half's <c>fused_pair</c>, which the always-on checks
/// report; fixed, the same commands pass. The pair oracle of the scenarios is checked on its own below.
/// </summary>
public sealed class FusedCommandTests
{
    [Fact]
    public void Pairs_lone_halves_and_mismatches_complete_as_head_orders_them()
    {
        var outcome = Run("compare-and-write.json", KnownDefects.None);
        Assert.True(outcome.BrokenInvariant == null, outcome.Detail);
        Assert.Contains(outcome.Summary, l => l.Contains("12 submitted (8 succeeded, 4 failed)", StringComparison.Ordinal));
    }

    [Fact]
    public void Finding020_a_first_freed_before_the_next_command_stops_being_fused_first()
    {
        var outcome = Run("fused-first-not-cleared.json", KnownDefects.None);
        Assert.True(outcome.BrokenInvariant == null, outcome.Detail);
        Assert.Contains(outcome.Summary, l => l.Contains("5 submitted (4 succeeded, 1 failed)", StringComparison.Ordinal));
    }

    [Fact]
    public void Finding020_spdk_head_reads_the_freed_first_through_fused_first()
    {
        var outcome = Run("fused-first-not-cleared.json", KnownDefects.FusedFirstNotCleared);
        Assert.Equal(InvariantNames.ObjectLifetime, outcome.BrokenInvariant);
        Assert.Contains("reads the fuse bits of fused_first request #0", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Finding020_spdk_head_leaves_the_seconds_link_to_a_freed_first()
    {
        Assert.True(Run("fused-pair-first-fails.json", KnownDefects.None).BrokenInvariant == null);
        var outcome = Run("fused-pair-first-fails.json", KnownDefects.FusedFirstNotCleared);
        Assert.Equal(InvariantNames.ObjectLifetime, outcome.BrokenInvariant);
        Assert.Contains("which no longer points back", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pair_oracle_reports_heads_missing_fused_pair_and_a_write_without_its_compare()
    {
        var headsPair = FusedPairOracle.Judge(NvmeStatus.AbortedMissingFused, NvmeStatus.AbortedMissingFused, valid: true, mustMatch: true);
        Assert.Equal(ScenarioInvariants.FusedPair, headsPair?.Invariant);
        Assert.Equal(ScenarioInvariants.DataVerification, FusedPairOracle.Judge(NvmeStatus.CompareFailure, NvmeStatus.Success, valid: true, mustMatch: null)?.Invariant);
        Assert.Equal(ScenarioInvariants.DataVerification, FusedPairOracle.Judge(NvmeStatus.Success, NvmeStatus.Success, valid: true, mustMatch: false)?.Invariant);
        Assert.Equal(ScenarioInvariants.DataVerification, FusedPairOracle.Judge(NvmeStatus.CompareFailure, NvmeStatus.AbortedFailedFused, valid: true, mustMatch: true)?.Invariant);
        Assert.Equal(ScenarioInvariants.FusedPair, FusedPairOracle.Judge(NvmeStatus.Success, NvmeStatus.DataTransferError, valid: true, mustMatch: null)?.Invariant);
        Assert.Equal(ScenarioInvariants.FusedPair, FusedPairOracle.Judge(NvmeStatus.Success, NvmeStatus.InternalDeviceError, valid: true, mustMatch: null)?.Invariant);
        Assert.Equal(ScenarioInvariants.DataVerification, FusedPairOracle.Judge(NvmeStatus.InternalDeviceError, NvmeStatus.Success, valid: true, mustMatch: null)?.Invariant);
    }

    [Fact]
    public void The_pair_oracle_accepts_what_head_answers_to_well_formed_and_malformed_pairs()
    {
        Assert.Null(FusedPairOracle.Judge(NvmeStatus.Success, NvmeStatus.Success, valid: true, mustMatch: true));
        Assert.Null(FusedPairOracle.Judge(NvmeStatus.CompareFailure, NvmeStatus.AbortedFailedFused, valid: true, mustMatch: false));
        Assert.Null(FusedPairOracle.Judge(NvmeStatus.AbortedSqDeletion, NvmeStatus.AbortedSqDeletion, valid: true, mustMatch: true));
        Assert.Null(FusedPairOracle.Judge(NvmeStatus.DataSglLengthInvalid, NvmeStatus.AbortedMissingFused, valid: false, mustMatch: true));
        Assert.Null(FusedPairOracle.Judge(NvmeStatus.InternalDeviceError, NvmeStatus.InternalDeviceError, valid: true, mustMatch: false));
        Assert.Null(FusedPairOracle.Judge(NvmeStatus.CompareFailure, NvmeStatus.InternalDeviceError, valid: true, mustMatch: false));
    }

    [Fact]
    public void A_pair_ended_by_the_hosts_abort_is_excused_only_when_the_host_sends_aborts_and_never_a_write_alone()
    {
        // Seeds 732586 and 732811 of the issue-16 hunt (--io-size 16384 --qpairs 4 --qd 32, timeout action abort).
        Assert.Null(FusedPairOracle.Judge(NvmeStatus.AbortedByRequest, NvmeStatus.AbortedByRequest, valid: true, mustMatch: true, abortsSent: true));
        Assert.Null(FusedPairOracle.Judge(NvmeStatus.AbortedByRequest, NvmeStatus.AbortedFailedFused, valid: true, mustMatch: false, abortsSent: true));
        Assert.Equal(ScenarioInvariants.DataVerification,
            FusedPairOracle.Judge(NvmeStatus.AbortedByRequest, NvmeStatus.AbortedByRequest, valid: true, mustMatch: true)?.Invariant);
        Assert.Equal(ScenarioInvariants.DataVerification,
            FusedPairOracle.Judge(NvmeStatus.AbortedByRequest, NvmeStatus.Success, valid: true, mustMatch: null, abortsSent: true)?.Invariant);
    }

    [Fact]
    public void Finding021_a_reserved_fuse_value_is_executed_and_answered_and_spdk_head_never_answers_it()
    {
        Assert.True(SendReservedFuse(KnownDefects.None), "the command with FUSE = 11b was not answered");
        Assert.False(SendReservedFuse(KnownDefects.FusedReservedNeverExecuted), "SPDK HEAD's wait for a pair answered it");
    }

    /// <summary>A Read with FUSE = 11b, then a plain Read: true when the first was answered within 100 ms.</summary>
    private static bool SendReservedFuse(KnownDefects defects)
    {
        using var bed = new TargetBed(new TargetOptions { NumSharedBuffers = 64, IoUnitSize = 4096, MaxSendSge = 1, Defects = defects });
        var host = bed.AddHost("a", 4);
        bed.Connect(host, qid: 1);
        var reserved = new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = 1, Nsid = 1, Slba = 0, Nlb = 0, Dptr = host.Keyed(1, 4096) }.ToCommand();
        reserved.Fuse = FusedOperation.Reserved;
        var plain = new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = 2, Nsid = 1, Slba = 0, Nlb = 0, Dptr = host.Keyed(2, 4096) }.ToCommand();
        Assert.Equal(0, host.Submit(reserved));
        Assert.Equal(0, host.Submit(plain));
        try
        {
            bed.RunUntil(() => host.PollCq() >= 0 && host.Responses.ContainsKey(1) && host.Responses.ContainsKey(2), "both answers", limitNs: 100_000_000);
            return true;
        }
        catch (Xunit.Sdk.XunitException)
        {
            Assert.True(host.Responses.ContainsKey(2), "the plain Read after it was not answered either");
            return false;
        }
    }

    private static ScenarioOutcome Run(string file, KnownDefects defects) =>
        ScenarioRunner.Run(ScenarioFile.Load(Path.Combine(RepoPaths.Scenarios, file)), new ScenarioRunOptions { ExtraDefects = defects });
}
