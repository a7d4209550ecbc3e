using Harness.Transport.Invariants;
using Harness.Transport.Nvme;

namespace Harness.Transport.Target;

/// <summary>
/// Fused commands (a Compare FIRST and a Write SECOND): HEAD's <c>nvmf_rdma_check_fused_ordering</c> (rdma.c:1849) at
/// NEW, the pairing at READY_TO_EXECUTE (rdma.c:2132–2182) and the pair's release at free (rdma.c:1825–1837). Two
/// commands are a pair only when the SECOND is the very next command of the qpair after the FIRST; both are handed to
/// the controller together, FIRST first, once both are ready.
/// </summary>
public sealed partial class NvmfRdmaTransport
{
    /// <summary>
    /// NEW: pairs <paramref name="req"/> (whose FUSE is <paramref name="next"/>; None for a capsule too short to hold a
    /// command) with the qpair's pending FIRST, or fails the halves that break the rules (they complete ABORTED -
    /// MISSING FUSED at READY_TO_EXECUTE).
    /// </summary>
    private void CheckFusedOrdering(RdmaRequest req, RdmaQpair qpair, FusedOperation next)
    {
        var first = qpair.FusedFirst;

        // HEAD reads the pending FIRST's command without asking whether that request is still the FIRST it recorded: a
        // FIRST freed before the next command (docs/findings/020) leaves a pointer to a free, or reused, request.
        Check.That(first == null || (first.Generation == qpair.FusedFirstGeneration && first.Qpair == qpair), InvariantNames.ObjectLifetime, (qpair, first, req), s =>
            $"{s.qpair}: {s.req} reads the fuse bits of fused_first {s.first}, freed since it was recorded (generation {s.qpair.FusedFirstGeneration}, now {s.first!.Generation}): the FIRST was freed before the next command arrived and fused_first still points at it (docs/findings/020)");
        var last = first?.Cmd.Fuse ?? FusedOperation.None;
        Check.That(last != FusedOperation.Second, InvariantNames.StateTransition, (qpair, first), s => $"{s.qpair}: fused_first {s.first} is a SECOND");
        if (last == FusedOperation.None && next == FusedOperation.None)
        {
            return;
        }

        if (last == FusedOperation.First)
        {
            qpair.FusedFirst = null;
            if (next == FusedOperation.Second)
            {
                first!.FusedPair = req; // a valid pair: executed together once both are ready
                req.FusedPair = first;
                return;
            }

            first!.FusedFailed = true; // not followed by its SECOND
            if (first.State == RdmaRequestState.ReadyToExecute)
            {
                ProcessRequest(first); // nothing else would wake it
            }
        }

        if (next == FusedOperation.First)
        {
            qpair.FusedFirst = req;
            qpair.FusedFirstGeneration = req.Generation;
        }
        else if (next == FusedOperation.Second)
        {
            req.FusedFailed = true; // a SECOND whose predecessor was no FIRST
        }
    }

    /// <summary>
    /// READY_TO_EXECUTE of a fused command: true when it may not execute now — it broke the fused rules (completed
    /// ABORTED - MISSING FUSED here), or its pair is not known or not ready yet (it waits; the other half wakes it).
    /// </summary>
    private bool FusedMustWait(RdmaRequest req, RdmaQpair qpair)
    {
        if (req.Cmd.Fuse == FusedOperation.None)
        {
            return false;
        }

        // FUSE = 11b (reserved) is neither half: HEAD waits here for a pair that never comes, so the command is never
        // answered and its request is held until the qpair dies (docs/findings/021). The port lets the controller
        // refuse it (INVALID FIELD), as ctrlr.c:4905-4908 would if the transport passed it on.
        if (req.Cmd.Fuse == FusedOperation.Reserved && !Defective(KnownDefects.FusedReservedNeverExecuted))
        {
            return false;
        }

        if (req.FusedFailed)
        {
            CompleteWithStatus(req, qpair, NvmeStatus.AbortedMissingFused);
            return true;
        }

        return req.FusedPair is not { State: RdmaRequestState.ReadyToExecute };
    }

    /// <summary>
    /// Hands a ready request to the controller; a fused one together with its pair, FIRST before SECOND, and the pair's
    /// links are dropped (the controller keeps the relation from here).
    /// </summary>
    private void ExecuteWithPair(RdmaRequest req, RdmaQpair qpair)
    {
        var pair = req.FusedPair;
        Check.That(req.Cmd.Fuse is not (FusedOperation.First or FusedOperation.Second) || (pair != null && pair.FusedPair == req), InvariantNames.StateTransition, req, r =>
            $"{r}: fused {r.Cmd.Fuse} executes without its pair");
        if (pair != null)
        {
            req.FusedPair = null;
            pair.FusedPair = null;
        }

        if (pair != null && req.Cmd.Fuse == FusedOperation.Second)
        {
            Execute(pair, qpair);
        }

        Execute(req, qpair);
        if (pair != null && req.Cmd.Fuse == FusedOperation.First)
        {
            Execute(pair, qpair);
        }
    }

    private void Execute(RdmaRequest req, RdmaQpair qpair)
    {
        SetState(req, RdmaRequestState.Executing);
        qpair.Executing++;
        _handler.Execute(req);
    }

    /// <summary>
    /// Free of a fused request (HEAD's <c>_nvmf_rdma_request_free</c>, rdma.c:1824–1837): a pair that did not reach the
    /// controller fails its other half, woken if it already waits at READY_TO_EXECUTE; and a FIRST still waiting for the
    /// next command stops being the qpair's <c>fused_first</c> — HEAD leaves it there (docs/findings/020).
    /// </summary>
    private void ReleaseFused(RdmaRequest req, RdmaQpair qpair)
    {
        req.FusedFailed = false;
        if (req.FusedPair is { } pair)
        {
            // HEAD drops only this side of the link: the other half keeps pointing here and, at its own free, marks
            // whatever command then holds this request as failed (docs/findings/020).
            Check.That(pair.FusedPair == req, InvariantNames.ObjectLifetime, (req, pair), s =>
                $"{s.req} frees with fused_pair {s.pair}, which no longer points back: that request was freed (and maybe reused) first and the link to it was left behind (docs/findings/020)");
            req.FusedPair = null;
            if (!Defective(KnownDefects.FusedFirstNotCleared))
            {
                pair.FusedPair = null;
            }

            pair.FusedFailed = true;
            if (pair.State == RdmaRequestState.ReadyToExecute)
            {
                ProcessRequest(pair);
            }
        }

        if (qpair.FusedFirst == req && !Defective(KnownDefects.FusedFirstNotCleared))
        {
            qpair.FusedFirst = null;
        }
    }
}
