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
    private int _abortsQueued;
    private int _abortsOutstanding;

    /// <summary>Abort commands sent.</summary>
    public long AbortsSent { get; private set; }

    /// <summary>Aborts the controller answered "aborted" (DW0 bit 0 clear).</summary>
    public long AbortsSucceeded { get; private set; }

    /// <summary>Aborts answered "not aborted" (DW0 bit 0 set): the command goes on (bdev_nvme does nothing more).</summary>
    public long AbortsNotAborted { get; private set; }

    /// <summary>Aborts that could not be sent or completed with an error: their qpair was failed instead.</summary>
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

        lock (_queuedAborts)
        {
            if (_queuedAborts.Count >= AbortsQueuedMax)
            {
                return false;
            }

            _queuedAborts.Enqueue(new PendingAbort(this, qpair, qpair.Qid, cid, Resets)); // rare: a timeout
            Volatile.Write(ref _abortsQueued, _queuedAborts.Count);
        }

        return true;
    }

    /// <summary>Whether an Abort waits to be sent (the admin poller acts on it without waiting for its period).</summary>
    private bool HasQueuedAborts => Volatile.Read(ref _abortsQueued) != 0;

    /// <summary>
    /// Sends the queued Aborts while fewer than ACL + 1 are outstanding (admin thread, controller lock held, Ready). One
    /// queued before a reset names a command of a qpair that was reconnected since: it is dropped.
    /// </summary>
    private int StepAborts()
    {
        var work = 0;
        var limit = ControllerData.Acl + 1;
        while (_abortsOutstanding < limit && TakeQueuedAbort() is { } abort)
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
        lock (_queuedAborts)
        {
            var abort = _queuedAborts.Count > 0 ? _queuedAborts.Dequeue() : null;
            Volatile.Write(ref _abortsQueued, _queuedAborts.Count);
            return abort;
        }
    }

    /// <summary>bdev_nvme's <c>bdev_nvme_abort_cpl</c>: an error falls back to failing the command's qpair.</summary>
    private void OnAbortDone(PendingAbort abort, in NvmeCompletion cpl)
    {
        _abortsOutstanding--;
        Check.That(_abortsOutstanding >= 0, InvariantNames.DepthCounters, this, c => $"{c}: Abort completions outnumber Aborts sent");
        if (cpl.Status.IsError)
        {
            AbortsFailed++;
            if (abort.Resets == Resets && _state == ControllerState.Ready)
            {
                Log($"ctrlr {Name}: Abort of sqid {abort.Sqid} cid {abort.Cid} failed ({cpl.Status}): failing the qpair");
                abort.Qpair.FailForTimeout();
            }

            return;
        }

        if ((cpl.Dw0 & 1) == 0)
        {
            AbortsSucceeded++;
        }
        else
        {
            AbortsNotAborted++;
        }
    }

    /// <summary>An Abort asked for by a qpair's timeout check, until answered.</summary>
    private sealed record PendingAbort(NvmeRdmaController Ctrlr, NvmeRdmaQpair Qpair, ushort Sqid, ushort Cid, int Resets);
}
