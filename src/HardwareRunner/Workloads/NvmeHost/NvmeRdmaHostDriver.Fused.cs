using System.Globalization;
using Harness.Transport.Host;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>
/// Compare-and-write as bdev_nvme sends it (bdev_nvme.c:<c>bdev_nvme_comparev_and_writev</c>): a Compare with FUSE =
/// FIRST then a Write with FUSE = SECOND, back to back on one qpair, under one application tag whose completion waits
/// for both halves.
/// </summary>
public sealed partial class NvmeRdmaHostDriver
{
    /// <summary>Halves of a compare-and-write (the Compare, then the Write).</summary>
    private const int FusedHalves = NvmeRdmaQpair.FusedPairRequests;

    private static readonly NvmeCompletionCallback CompareDone = (c, in cpl) => ((IoContext)c!).Driver.OnFusedHalfDone((IoContext)c, compare: true, cpl);

    private static bool CompareFits(in NvmeIo io) =>
        io.Opcode == NvmeIoOpcode.Write && io.Iovecs == 1 && io.CompareOffset + io.Length <= io.Buffer.Length;

    /// <summary>
    /// Sends the pair (<see cref="NvmeRdmaQpair.SubmitCompareAndWrite(uint, ulong, int, DmaBuffer, int, DmaBuffer, int, NvmeCompletionCallback, NvmeCompletionCallback, object?, out bool)"/>).
    /// When the Write cannot go after the Compare did, the pair is still accepted (the Compare is on the wire) and
    /// completes when the Compare does, as bdev_nvme's pair whose SECOND was refused.
    /// </summary>
    private int SubmitCompareAndWrite(NvmeRdmaQpair q, IoContext ctx, in NvmeIo io)
    {
        Check.That(ctx.FusedHalvesLeft == 0, InvariantNames.StateTransition, ctx, c => $"host driver: tag {c.Tag} on qpair {c.Slot.Index + 1} starts a compare-and-write with {c.FusedHalvesLeft} halves outstanding");
        ctx.InFlight = true;
        ctx.FusedHalvesLeft = FusedHalves;
        ctx.CompareDone = false;
        ctx.WriteDone = false;
        var rc = q.SubmitCompareAndWrite(NamespaceId, io.Slba, io.BlockCount, io.Buffer, io.CompareOffset, io.Buffer, io.Offset, CompareDone, IoDone, ctx, out var compareSent);
        if (rc == Errno.Ok)
        {
            return rc;
        }

        if (!compareSent)
        {
            ctx.InFlight = false; // nothing went: EAGAIN (never split a pair for want of a request) or the qpair's errno
            ctx.FusedHalvesLeft = 0;
            return rc;
        }

        Log(string.Create(CultureInfo.InvariantCulture, $"compare-and-write tag {ctx.Tag} on qpair {ctx.Slot.Index + 1}: the Write half was refused ({Errno.Name(rc)}) after the Compare went"));
        OnFusedHalfDone(ctx, compare: false, new NvmeCompletion { Status = NvmeStatus.AbortedFailedFused }, sent: false);
        return Errno.Ok;
    }

    /// <summary>One half completed; the second to complete reports the pair.</summary>
    private void OnFusedHalfDone(IoContext ctx, bool compare, in NvmeCompletion cpl, bool sent = true)
    {
        var seen = compare ? ctx.CompareDone : ctx.WriteDone;
        if (!ctx.InFlight || ctx.FusedHalvesLeft == 0 || seen)
        {
            _sink.OnViolation(NvmeHostInvariants.DuplicateCompletion, string.Create(CultureInfo.InvariantCulture,
                $"host: a second completion for the {(compare ? "Compare" : "Write")} half of compare-and-write tag {ctx.Tag} on qpair {ctx.Slot.Index + 1}: {cpl}"));
            return;
        }

        if (compare)
        {
            ctx.CompareDone = true;
            ctx.Compare = cpl;
        }
        else
        {
            ctx.WriteDone = true;
            ctx.Write = cpl;
            ctx.WriteSent = sent;
        }

        ctx.FusedHalvesLeft--;
        if (ctx.FusedHalvesLeft > 0)
        {
            return;
        }

        ctx.InFlight = false;
        if (ctx.Compare.Status.HasSameCode(NvmeStatus.AbortedSqDeletion) || ctx.Write.Status.HasSameCode(NvmeStatus.AbortedSqDeletion))
        {
            ctx.Slot.Aborted++;
        }

        _sink.OnCompareAndWriteCompleted(ctx.Slot.Index, ctx.Tag, ctx.Compare, ctx.Write, ctx.WriteSent);
    }
}
