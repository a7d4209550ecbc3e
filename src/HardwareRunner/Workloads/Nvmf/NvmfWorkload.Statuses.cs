using System.Globalization;
using Harness.Transport.Host;
using Harness.Transport.Nvme;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>
/// Every error status a valid command ends with has a cause: the qpair died (ABORTED - SQ DELETION, made by the host),
/// the host's Abort named it (ABORTED - BY REQUEST, with the Abort timeout action), a compare-and-write half failed as
/// its pair's rules say (judged by <see cref="Scenarios.FusedPairOracle"/>), or an injected fault (the block device
/// below the controller made to fail it; a target send whose post failed, which HEAD answers with INTERNAL DEVICE ERROR),
/// at most as many times per status as faults were injected. Anything else — a
/// DATA SGL LENGTH INVALID for a well-formed SGL, an INTERNAL DEVICE ERROR nobody injected — is the transport or the
/// controller refusing a command a correct one serves. Checked only against the workload's own target (a remote
/// target's block device can fail for real).
/// </summary>
public sealed partial class NvmfWorkload
{
    private readonly Dictionary<NvmeStatus, long> _errorStatusesSeen = new();

    /// <summary>
    /// How many completions with a status (DNR and More cleared) the run's injected faults explain (the block device
    /// made to fail, a target post that failed); null: no fault can, so no error status is explained.
    /// </summary>
    public Func<NvmeStatus, long>? ErrorsExplained { get; set; }

    private void CheckStatusExplained(in InFlightIo io, NvmeStatus status)
    {
        var s = status.WithDnr(false).WithMore(false);
        if (_target == null || s.IsSuccess || s.HasSameCode(NvmeStatus.AbortedSqDeletion))
        {
            return;
        }

        if (s.HasSameCode(NvmeStatus.AbortedByRequest) && _o.HostTimeoutAction == NvmeTimeoutAction.Abort)
        {
            return;
        }

        if (io.CompareAndWrite && (s.HasSameCode(NvmeStatus.CompareFailure) || s.HasSameCode(NvmeStatus.AbortedFailedFused) || s.HasSameCode(NvmeStatus.AbortedMissingFused)))
        {
            return; // the pair's own outcomes, judged by FusedPairOracle
        }

        var seen = _errorStatusesSeen[s] = _errorStatusesSeen.GetValueOrDefault(s) + 1;
        var injected = ErrorsExplained?.Invoke(s) ?? 0;
        if (seen > injected)
        {
            var what = io.CompareAndWrite ? "compare-and-write" : io.Opcode == NvmeIoOpcode.Read ? "Read" : "Write";
            _monitor.Report(WorkloadMonitor.UnexplainedStatus, string.Create(CultureInfo.InvariantCulture,
                $"a valid {what} of LBA {io.Block}..{io.Block + io.Blocks - 1} completed with {s}, completion {seen} with that status, but the injected faults explain only {injected} (block-device errors with that status, and for INTERNAL DEVICE ERROR target sends whose post failed), and no qpair death or Abort explains it"));
        }
    }
}
