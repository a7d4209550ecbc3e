using System.Globalization;
using Harness.HardwareRunner.Scenarios;
using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.Transport.Host;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>
/// Compare-and-write pairs in the random workload: a Write whose blocks the model knows goes, with probability
/// <see cref="NvmfWorkloadOptions.CompareAndWriteFraction"/>, as a fused Compare + Write; half of the pairs compare what
/// the blocks hold (both halves must succeed), half data one byte off (COMPARE FAILURE and ABORTED - FAILED FUSED are
/// due, and the blocks must keep their data). <see cref="FusedPairOracle"/> judges the two completions.
/// </summary>
public sealed partial class NvmfWorkload
{
    /// <summary>Host requests a pair takes (its two commands): it goes only when the qpair has both free, else a plain Write does.</summary>
    private const int PairRequests = 2;

    /// <summary>Probability that a pair's Compare carries data the blocks do not hold.</summary>
    private const double CompareMismatchChance = 0.5;

    /// <inheritdoc/>
    public void OnCompareAndWriteCompleted(int qpair, ulong tag, in NvmeCompletion compare, in NvmeCompletion write, bool sentTogether)
    {
        if (InFlight(qpair, tag, pair: true) is not { } load)
        {
            _monitor.Report(WorkloadMonitor.DuplicateCompletion,
                string.Create(CultureInfo.InvariantCulture, $"host: a compare-and-write completion for command {tag} on qpair {qpair}, which is not a pair in flight: {compare}, {write}"));
            return;
        }

        var slot = (int)tag;
        var io = load.Ios[slot];
        _lastProgressNs = _host.Clock.NowNs;
        if (FusedPairOracle.Judge(compare.Status, write.Status, sentTogether, io.ExpectMatch, _o.HostTimeoutAction == NvmeTimeoutAction.Abort) is { } verdict)
        {
            _monitor.Report(verdict.Invariant, string.Create(CultureInfo.InvariantCulture,
                $"qpair {load.Index + 1}: compare-and-write of LBA {io.Block}..{io.Block + io.Blocks - 1} ({(io.ExpectMatch ? "matching" : "mismatching")} Compare): {verdict.Message}"));
        }

        OnPairDone(io, compare.Status, write.Status);
        load.PairsInFlight--;
        load.ReturnSlot(slot);
    }

    /// <summary>Turns the Write in <paramref name="slot"/> into a pair: the Compare's data from the model, maybe one byte off.</summary>
    private NvmeIo PrepareCompareAndWrite(QpairLoad load, int slot, ref InFlightIo io, in NvmeIo write)
    {
        Check.That(write.Opcode == NvmeIoOpcode.Write, InvariantNames.StateTransition, io, i => $"workload: a compare-and-write of LBA {i.Block} that is not a Write");
        Check.That(write.Length <= load.SlotBytes, InvariantNames.StateTransition, io, i => $"workload: a compare-and-write of {i.Blocks} blocks at LBA {i.Block} larger than its slot");
        var compare = load.CompareSpan(slot, write.Length);
        _model.FillKnown(compare, io.Block, io.Blocks);
        io.CompareAndWrite = true;
        io.ExpectMatch = !_random.Chance(CompareMismatchChance);
        if (!io.ExpectMatch)
        {
            var at = _random.NextInt(compare.Length);
            compare[at] ^= 0xFF; // one byte no block holds: a Compare must find it
        }

        return write with { CompareOffset = load.CompareOffset(slot), Iovecs = 1 };
    }

    /// <summary>
    /// What the pair did to the blocks: the Write's data when it succeeded; nothing when the Compare failed or could not
    /// match; either the old or the new data when the qpair died under a matching pair.
    /// </summary>
    private void OnPairDone(in InFlightIo io, NvmeStatus compare, NvmeStatus write)
    {
        var comparedOff = compare.HasSameCode(NvmeStatus.CompareFailure) || write.HasSameCode(NvmeStatus.AbortedFailedFused);
        if (write.IsSuccess || (comparedOff && !io.ExpectMatch))
        {
            Stats.Completed++; // a mismatching pair's due outcome is its success
            if (write.IsSuccess)
            {
                _model.Written(io.Block, io.Blocks, io.Seed);
            }

            _model.Release(io.Extent);
            return;
        }

        var status = compare.IsSuccess ? write : compare;
        if (comparedOff || !io.ExpectMatch)
        {
            CountFailure(status); // no Write can have run (the oracle judged the rest): the blocks keep their data
            CheckStatusExplained(io, status);
            _model.Release(io.Extent);
            return;
        }

        OnFailure(io, status);
    }
}
