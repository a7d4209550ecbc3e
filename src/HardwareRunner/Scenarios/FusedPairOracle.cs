using Harness.Sim.Scenarios;
using Harness.Transport.Nvme;

namespace Harness.HardwareRunner.Scenarios;

/// <summary>
/// The rules of a fused Compare-and-Write's two completions (SPDK HEAD: ctrlr.c:nvmf_ctrlr_process_io_fused_cmd,
/// ctrlr_bdev.c:nvmf_bdev_ctrlr_complete_cmd): the Write succeeds only with the Compare; a valid pair sent back to back
/// is never failed as unpaired and its halves agree; a Compare of what the blocks surely hold matches, one of data they
/// cannot hold fails with COMPARE FAILURE and the Write with ABORTED - FAILED FUSED. A qpair that died (SQ DELETION)
/// excuses everything but a Write that succeeded alone; so does a half the transport answered INTERNAL DEVICE ERROR
/// without executing it (<c>_qp_reset_failed_sends</c> after a failed ibv_post_send, rdma.c), as long as neither half
/// succeeded; and, when the host may abort commands, a pair its Abort ended (neither half succeeded, one of them
/// ABORTED - BY REQUEST: the Write never ran without its Compare, which is all the pair's rules ask).
/// </summary>
public static class FusedPairOracle
{
    /// <summary>
    /// Null when <paramref name="compare"/> and <paramref name="write"/> obey the rules, else the broken invariant and
    /// why. <paramref name="valid"/>: the pair was well formed and sent back to back; <paramref name="mustMatch"/>: the
    /// blocks surely held the Compare's data (true), surely did not (false), or either (null); <paramref name="abortsSent"/>:
    /// the host sends Aborts for commands that time out, so a pair may end ABORTED - BY REQUEST.
    /// </summary>
    public static (string Invariant, string Message)? Judge(NvmeStatus compare, NvmeStatus write, bool valid, bool? mustMatch, bool abortsSent = false)
    {
        var both = $"Compare {compare}, Write {write}";
        if (write.IsSuccess && !compare.IsSuccess)
        {
            return (ScenarioInvariants.DataVerification, $"{both}: the Write landed although the Compare did not succeed");
        }

        // Codes, not whole status fields: the host sets DNR on what it aborts itself, and a target may set DNR or More.
        if (!valid || compare.HasSameCode(NvmeStatus.AbortedSqDeletion) || write.HasSameCode(NvmeStatus.AbortedSqDeletion))
        {
            return null; // a malformed FIRST's SECOND rightly fails as unpaired; a dead qpair aborts both
        }

        if (UnexecutedByTransport(compare, write))
        {
            return null; // the pair never reached the controller layer: the data oracle still checks the blocks
        }

        if (abortsSent && !compare.IsSuccess && !write.IsSuccess &&
            (compare.HasSameCode(NvmeStatus.AbortedByRequest) || write.HasSameCode(NvmeStatus.AbortedByRequest)))
        {
            return null; // the host's Abort named a half: the pair ends unexecuted; the data oracle still checks the blocks
        }

        if (compare.HasSameCode(NvmeStatus.AbortedMissingFused) || write.HasSameCode(NvmeStatus.AbortedMissingFused))
        {
            return (ScenarioInvariants.FusedPair, $"{both}: a FIRST and its SECOND sent back to back on one qpair were failed as unpaired (ABORTED - MISSING FUSED)");
        }

        if (compare.IsSuccess != write.IsSuccess)
        {
            return (ScenarioInvariants.FusedPair, $"{both}: the halves disagree (the Write runs iff the Compare matched)");
        }

        return mustMatch switch
        {
            true when !compare.IsSuccess => (ScenarioInvariants.DataVerification, $"{both}: the blocks held exactly the Compare's data"),
            false when !compare.HasSameCode(NvmeStatus.CompareFailure) || !write.HasSameCode(NvmeStatus.AbortedFailedFused) =>
                (ScenarioInvariants.DataVerification, $"{both}: the blocks cannot hold the Compare's data, so COMPARE FAILURE and ABORTED - FAILED FUSED were due"),
            _ => null,
        };
    }

    /// <summary>
    /// Both halves failed and one of them with INTERNAL DEVICE ERROR: the transport settled it without executing it
    /// (a failed post of its RDMA READ or of its response), so neither COMPARE FAILURE nor a matching Compare is due.
    /// </summary>
    private static bool UnexecutedByTransport(NvmeStatus compare, NvmeStatus write) =>
        !compare.IsSuccess && !write.IsSuccess &&
        (compare.HasSameCode(NvmeStatus.InternalDeviceError) || write.HasSameCode(NvmeStatus.InternalDeviceError));
}
