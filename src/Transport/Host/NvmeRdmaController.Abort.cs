using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// Aborts of timed-out I/O commands (<see cref="NvmeTimeoutAction.Abort"/>): bdev_nvme's <c>timeout_cb</c> calls
/// <c>spdk_nvme_ctrlr_cmd_abort_ext</c> (nvme_ctrlr_cmd.c) from the I/O qpair's thread under the controller lock; here
/// the qpair's thread queues the request and the admin thread sends it at its next round, at most ACL + 1 outstanding
/// (HEAD queues the rest in <c>queued_aborts</c> the same way).
/// </summary>
public sealed partial class NvmeRdmaController
{
    /// <summary>Aborts waiting to be sent; one more falls back to failing the qpair.</summary>
    public const int AbortsQueuedMax = 64;

    private static readonly NvmeCompletionCallback AbortDone = (c, in cpl) => ((PendingAbort)c!).Ctrlr.OnAbortDone((PendingAbort)c, cpl);

    private readonly Queue<PendingAbort> _queuedAborts = new();
    private readonly Lock _abortsGate = new(); // a Lock: never held across a wait or a meeting point (docs/systematic.md, "Locks")
    private int _abortsQueued;
    private int _abortsOutstanding;

    /// <summary>Abort commands sent.</summary>
    public long AbortsSent { get; private set; }

    /// <summary>Aborts the controller answered "aborted" (DW0 bit 0 clear).</summary>
    public long AbortsSucceeded { get; private set; }

    /// <summary>Aborts the controller answered "not aborted" (DW0 bit 0 set): their qpair was failed as for an error.</summary>
    public long AbortsNotAborted { get; private set; }

    /// <summary>Aborts that could not be sent or completed with an error: their qpair was failed.</summary>
    public long AbortsFailed { get; private set; }

    /// <summary>
    /// Queues an Abort of command <paramref name="cid"/> of <paramref name="qpair"/> (any thread). False when the controller
    /// is not ready or too many wait: the caller falls back to failing the qpair.
    /// </summary>
    internal bool RequestAbort(NvmeRdmaQpair qpair, ushort cid)
    {
        if (_state != ControllerState.Ready)
        {
            return false;
        }

        lock (_abortsGate)
        {
            if (_queuedAborts.Count >= AbortsQueuedMax)
            {
                return false;
            }

            _queuedAborts.Enqueue(new PendingAbort(this, qpair, qpair.Qid, cid, Resets)); // rare: a timeout
            Volatile.Write(ref _abortsQueued, _queuedAborts.Count);
        }

        _adminReactor.Notify();
        return true;
    }

    /// <summary>
    /// Whether an Abort waits to be sent (the admin poller acts on it without waiting for its period). A plain read, as
    /// this runs on every admin poll: under Coyote a volatile read or a lock is a scheduling point, and the schedules
    /// the systematic tests explore must not change for hosts that never abort.
    /// </summary>
    private bool HasQueuedAborts => _abortsQueued != 0;

    /// <summary>
    /// Sends the queued Aborts while fewer than ACL + 1 are outstanding (admin thread, controller lock held, Ready). One
    /// queued before a reset names a command of a qpair that was reconnected since: it is dropped.
    /// </summary>
    private int StepAborts()
    {
        var work = 0;
        var limit = ControllerData.Acl + 1;
        while (_abortsOutstanding < limit && HasQueuedAborts && TakeQueuedAbort() is { } abort)
        {
            work++;
            if (abort.Resets != Resets)
            {
                continue;
            }

            var cmd = new NvmeCommand { Opcode = (byte)NvmeAdminOpcode.Abort, Cdw10 = abort.Sqid | ((uint)abort.Cid << 16) };
            var rc = AdminQpair.SubmitInternal(cmd, default, AbortDone, abort);
            if (rc != Errno.Ok)
            {
                AbortsFailed++;
                Log($"ctrlr {Name}: Abort of sqid {abort.Sqid} cid {abort.Cid} could not be submitted ({Errno.Name(rc)}): failing the qpair");
                abort.Qpair.FailForTimeout();
                continue;
            }

            _abortsOutstanding++;
            AbortsSent++;
        }

        Check.That(_abortsOutstanding <= limit, InvariantNames.DepthCounters, this, c => $"{c}: more Aborts outstanding than ACL + 1");
        return work;
    }

    private PendingAbort? TakeQueuedAbort()
    {
        lock (_abortsGate)
        {
            var abort = _queuedAborts.Count > 0 ? _queuedAborts.Dequeue() : null;
            Volatile.Write(ref _abortsQueued, _queuedAborts.Count);
            return abort;
        }
    }

    /// <summary>
    /// bdev_nvme's <c>nvme_abort_cpl</c> (bdev_nvme.c:4978): an error, or "not aborted" (DW0 bit 0 set), falls back to the
    /// reset (bdev_nvme resets the controller; the port fails the command's qpair, its <see cref="NvmeTimeoutAction.Reset"/>).
    /// </summary>
    private void OnAbortDone(PendingAbort abort, in NvmeCompletion cpl)
    {
        _abortsOutstanding--;
        Check.That(_abortsOutstanding >= 0, InvariantNames.DepthCounters, this, c => $"{c}: Abort completions outnumber Aborts sent");
        if (cpl.Status.IsSuccess && (cpl.Dw0 & 1) == 0)
        {
            AbortsSucceeded++;
            return;
        }

        if (cpl.Status.IsError)
        {
            AbortsFailed++;
        }
        else
        {
            AbortsNotAborted++;
        }

        if (abort.Resets == Resets && _state == ControllerState.Ready)
        {
            Log($"ctrlr {Name}: Abort of sqid {abort.Sqid} cid {abort.Cid} {(cpl.Status.IsError ? "failed" : "did not abort it")}: failing the qpair");
            abort.Qpair.FailForTimeout();
        }
    }

    /// <summary>An Abort asked for by a qpair's timeout check, until answered.</summary>
    private sealed record PendingAbort(NvmeRdmaController Ctrlr, NvmeRdmaQpair Qpair, ushort Sqid, ushort Cid, int Resets);
}
