using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Threading;

namespace Harness.Transport.Target;

/// <summary>
/// The Abort command below the controller layer: the walk over the poll groups' threads (ctrlr.c:<c>nvmf_ctrlr_abort</c>
/// → <c>spdk_for_each_channel</c> → <c>nvmf_ctrlr_abort_on_pg</c>), the transport's per-state abort
/// (rdma.c:<c>nvmf_rdma_qpair_abort_request</c>:5045) and its retry poller (<c>_nvmf_rdma_qpair_abort_request</c>:4973).
/// </summary>
public sealed partial class NvmfRdmaTransport
{
    private static readonly ThreadMessageFn AbortOnPollGroupMsg = static ctx => ((AbortRequestCtx)ctx!).Transport.AbortOnPollGroup((AbortRequestCtx)ctx);

    private static readonly ThreadMessageFn AbortCompleteMsg = static ctx => ((AbortRequestCtx)ctx!).Transport.CompleteAbortOnItsThread((AbortRequestCtx)ctx);

    /// <summary>Aborts started so far.</summary>
    public long AbortsStarted { get; private set; }

    /// <summary>Aborts that found their command and aborted it (DW0 bit 0 cleared).</summary>
    public long AbortsSucceeded { get; private set; }

    /// <summary>Runs of the retry poller (one per poll of a group with an Abort waiting on a transfer).</summary>
    public long AbortRetries { get; private set; }

    /// <summary>
    /// <c>nvmf_ctrlr_abort</c> (ctrlr.c:3961) for <paramref name="abortReq"/>, an Abort executing on its admin qpair: the
    /// search starts on the first poll group's thread, by message, as <c>spdk_for_each_channel</c> does.
    /// </summary>
    internal void StartAbort(RdmaRequest abortReq, ushort sqid, ushort cid)
    {
        var qpair = abortReq.Qpair;
        Check.That(abortReq.State == RdmaRequestState.Executing && qpair != null, InvariantNames.StateTransition, abortReq,
            r => $"{r}: an Abort started while not EXECUTING");
        Check.That(_groups.Count > 0, InvariantNames.StateTransition, abortReq, r => $"{r}: an Abort without poll groups");
        var ctx = new AbortRequestCtx(this, abortReq, qpair!.Controller, sqid, cid); // an admin command: not a hot path
        AbortsStarted++;
        _groups[0].Thread!.SendMessage(AbortOnPollGroupMsg, ctx);
    }

    /// <summary>
    /// <c>nvmf_ctrlr_abort_on_pg</c> (ctrlr.c:3937) on the thread of poll group <see cref="AbortRequestCtx.GroupCursor"/>:
    /// the qpair of the Abort's controller with qid SQID among the group's qpairs (those not yet past
    /// <c>spdk_nvmf_poll_group_remove</c>), else on to the next group; after the last, "not aborted".
    /// </summary>
    private void AbortOnPollGroup(AbortRequestCtx ctx)
    {
        var group = _groups[ctx.GroupCursor];
        var previous = EnterGroup(group);
        try
        {
            if (FindAbortQpair(group, ctx) is { } qpair)
            {
                AbortOnQpair(ctx, qpair);
                return;
            }

            ctx.GroupCursor++;
            if (ctx.GroupCursor < _groups.Count)
            {
                _groups[ctx.GroupCursor].Thread!.SendMessage(AbortOnPollGroupMsg, ctx);
                return;
            }

            CompleteAbort(ctx); // nvmf_ctrlr_abort_done: no qpair of that SQID
        }
        finally
        {
            LeaveGroup(previous);
        }
    }

    private static RdmaQpair? FindAbortQpair(RdmaPollGroup group, AbortRequestCtx ctx)
    {
        if (ctx.Controller == null)
        {
            return null; // the Abort's own admin qpair is deactivating: no controller to match
        }

        foreach (var poller in group.Pollers)
        {
            foreach (var qpair in poller.Qpairs)
            {
                var listed = qpair.GenericState is NvmfQpairState.Connecting or NvmfQpairState.Enabled or NvmfQpairState.Deactivating;
                if (listed && !qpair.Destroyed && qpair.Qid == ctx.Sqid && ReferenceEquals(qpair.Controller, ctx.Controller))
                {
                    return qpair;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// <c>nvmf_rdma_qpair_abort_request</c> (rdma.c:5045): the request of <paramref name="qpair"/> (its own or, with an
    /// SRQ, the poller's shared ones) that is not FREE, came in on this qpair and carries CID; none → "not aborted".
    /// </summary>
    private void AbortOnQpair(AbortRequestCtx ctx, RdmaQpair qpair)
    {
        Check.That(OnThreadOf(qpair.Group), InvariantNames.StateTransition, qpair, q => $"{q}: transport abort off its poll group's thread");
        RdmaRequest? found = null;
        var reqs = qpair.Resources?.Reqs ?? Array.Empty<RdmaRequest>();
        foreach (var req in reqs)
        {
            if (req.State != RdmaRequestState.Free && req.Cmd.Cid == ctx.Cid && ReferenceEquals(req.Qpair, qpair))
            {
                found = req;
                break;
            }
        }

        if (found == null)
        {
            CompleteAbort(ctx);
            return;
        }

        ctx.ReqToAbort = found;
        ctx.QpairToAbort = qpair;
        ctx.GenerationToAbort = found.Generation;
        ctx.TimeoutNs = _clock.NowNs + Options.AbortTimeoutNs;
        ctx.NextOnRequest = found.AbortRetry; // the port's fix of docs/findings/018: the request knows who waits on it
        found.AbortRetry = ctx;
        if (RetryAbort(ctx))
        {
            qpair.Group!.AbortPollers.Add(ctx); // SPDK_POLLER_REGISTER(_nvmf_rdma_qpair_abort_request, req, 0)
        }
    }

    /// <summary>
    /// <c>_nvmf_rdma_qpair_abort_request</c> (rdma.c:4973), the first time and then once per poll of the group: what the
    /// request's state allows. Returns true to run again at the next poll (READs on the wire, before the timeout).
    /// </summary>
    private bool RetryAbort(AbortRequestCtx ctx)
    {
        var req = ctx.ReqToAbort;
        if (req == null)
        {
            CompleteAbort(ctx); // fixed: the command completed while the Abort waited (docs/findings/018)
            return false;
        }

        CheckAbortTarget(ctx, req);
        var qpair = req.Qpair!;
        switch (req.State)
        {
            case RdmaRequestState.Executing:
                // nvmf_ctrlr_abort_request hands it to the bdev (spdk_bdev_abort); the port's block device has no ABORT
                // I/O type, so -ENOTSUP: SPDK_NVMF_REQUEST_EXEC_STATUS_COMPLETE, "not aborted".
                break;
            case RdmaRequestState.NeedBuffer:
                if (req.StateOwner == qpair.PendingIobufQueue.Id)
                {
                    LeavePendingIobuf(req, qpair); // rdma.c:4997
                }

                SetAbortStatus(ctx, req, qpair);
                break;
            case RdmaRequestState.NeedDataWr:
                qpair.Poller!.Group.PendingBufQueue.Remove(req);
                SetAbortStatus(ctx, req, qpair);
                break;
            case RdmaRequestState.DataTransferToControllerPending:
                qpair.PendingRdmaReadQueue.Remove(req);
                SetAbortStatus(ctx, req, qpair);
                break;
            case RdmaRequestState.DataTransferToHostPending:
                qpair.PendingRdmaWriteQueue.Remove(req);
                SetAbortStatus(ctx, req, qpair);
                break;
            case RdmaRequestState.ReadyToCompletePending:
                qpair.PendingRdmaSendQueue.Remove(req); // re-queued at the tail with the new status, as HEAD does
                SetAbortStatus(ctx, req, qpair);
                break;
            case RdmaRequestState.TransferringHostToController when _clock.NowNs < ctx.TimeoutNs:
                AbortRetries++;
                return true;
        }

        CompleteAbort(ctx);
        return false;
    }

    /// <summary>
    /// What HEAD's retry takes on trust (docs/findings/018, <c>abort-retry-stale-request</c>): the request it points to
    /// still holds the command the Abort names. Freed resources are HEAD's use after free; another command in the slot
    /// is HEAD acting on a command nobody asked to abort. A slot that is merely FREE again is harmless (not aborted).
    /// </summary>
    private void CheckAbortTarget(AbortRequestCtx ctx, RdmaRequest req)
    {
        Check.That(ReferenceEquals(FindResources(req.Resources.Id), req.Resources), InvariantNames.ObjectLifetime, (ctx, req),
            s => $"{s.ctx}: its retry poller (_nvmf_rdma_qpair_abort_request) reads {s.req}, whose resources were freed with {s.ctx.QpairToAbort} (use after free)");
        var same = req.Generation == ctx.GenerationToAbort || req.State == RdmaRequestState.Free;
        Check.That(same, InvariantNames.ObjectLifetime, (ctx, req),
            s => $"{s.ctx}: its retry poller acts on {s.req}, which now holds CID {s.req.Cmd.Cid} of {s.req.Qpair}: the command it was started for completed and its slot was reused");
    }

    /// <summary><c>nvmf_rdma_request_set_abort_status</c> (rdma.c:4963): ABORTED - BY REQUEST, and the Abort's DW0 bit 0 cleared.</summary>
    private void SetAbortStatus(AbortRequestCtx ctx, RdmaRequest req, RdmaQpair qpair)
    {
        CompleteWithStatus(req, qpair, NvmeStatus.AbortedByRequest);
        ctx.Dw0 &= ~1u;
        AbortsSucceeded++;
    }

    /// <summary>
    /// The Abort is answered (<c>spdk_nvmf_request_complete</c>): it lets go of the request it waited on, and completes on
    /// its admin qpair's thread (by message from any other).
    /// </summary>
    private void CompleteAbort(AbortRequestCtx ctx)
    {
        if (ctx.ReqToAbort is { } req)
        {
            DetachAbort(req, ctx);
            ctx.ReqToAbort = null;
        }

        var group = ctx.AbortReq.Qpair!.Group!;
        if (OnThreadOf(group))
        {
            CompleteAbortOnItsThread(ctx);
            return;
        }

        group.Thread!.SendMessage(AbortCompleteMsg, ctx);
    }

    private void CompleteAbortOnItsThread(AbortRequestCtx ctx)
    {
        var abortReq = ctx.AbortReq;
        Check.That(abortReq.Generation == ctx.AbortGeneration && abortReq.State == RdmaRequestState.Executing, InvariantNames.CompletesOnce, ctx,
            c => $"{c}: completed when its request is {c.AbortReq.State.ToName()} (generation {c.AbortReq.Generation}, started in {c.AbortGeneration})");
        var previous = EnterGroup(abortReq.Qpair!.Group!);
        try
        {
            abortReq.Complete(NvmeStatus.Success, ctx.Dw0);
        }
        finally
        {
            LeaveGroup(previous);
        }
    }

    /// <summary>
    /// The retry pollers of <paramref name="group"/>, after its pollers (registered after them, as in SPDK). Returns the
    /// Aborts answered. SPDK's retry poller reports itself busy on every run; a retry that finds its request still
    /// transferring is not work here, because what it looks at changes only when its request changes state (which wakes
    /// the group, <see cref="SetState"/>) or its timeout passes (<see cref="NextRunNs"/>): a simulated thread that would
    /// only spin on it parks, and every run that could see a difference still happens.
    /// </summary>
    private int RunAbortPollers(RdmaPollGroup group)
    {
        var pollers = group.AbortPollers;
        var answered = 0;
        for (var i = 0; i < pollers.Count;)
        {
            if (RetryAbort(pollers[i]))
            {
                i++;
            }
            else
            {
                pollers.RemoveAt(i);
                answered++;
            }
        }

        return answered;
    }

    /// <summary>
    /// The request is being freed: an Abort waiting on it lets go (its next run answers "not aborted"). This is the
    /// port's fix of docs/findings/018; with <c>abort-retry-stale-request</c> the Abort keeps pointing at the slot, as HEAD's.
    /// </summary>
    private void OnRequestFreed(RdmaRequest req)
    {
        if (Defective(KnownDefects.AbortRetryStaleRequest))
        {
            req.AbortRetry = null;
            return;
        }

        for (var ctx = req.AbortRetry; ctx != null; ctx = ctx.NextOnRequest)
        {
            ctx.ReqToAbort = null;
        }

        req.AbortRetry = null;
    }

    private static void DetachAbort(RdmaRequest req, AbortRequestCtx ctx)
    {
        AbortRequestCtx? before = null;
        for (var at = req.AbortRetry; at != null; before = at, at = at.NextOnRequest)
        {
            if (at != ctx)
            {
                continue;
            }

            if (before == null)
            {
                req.AbortRetry = at.NextOnRequest;
            }
            else
            {
                before.NextOnRequest = at.NextOnRequest;
            }

            break;
        }

        ctx.NextOnRequest = null;
    }
}

/// <summary>
/// The Abort's own request fields in SPDK (<c>req_to_abort</c>, <c>timeout_tsc</c>, <c>poller</c>, DW0) and the
/// <c>spdk_for_each_channel</c> cursor: one per Abort that reaches the transport.
/// </summary>
internal sealed class AbortRequestCtx(NvmfRdmaTransport transport, RdmaRequest abortReq, object? controller, ushort sqid, ushort cid)
{
    public NvmfRdmaTransport Transport { get; } = transport;

    /// <summary>The Abort command itself (EXECUTING on its admin qpair until answered).</summary>
    public RdmaRequest AbortReq { get; } = abortReq;

    public long AbortGeneration { get; } = abortReq.Generation;

    public object? Controller { get; } = controller;

    public ushort Sqid { get; } = sqid;

    public ushort Cid { get; } = cid;

    /// <summary>The poll group whose thread looks next (<c>spdk_for_each_channel</c>'s position).</summary>
    public int GroupCursor { get; set; }

    /// <summary>Completion DW0: bit 0 set = not aborted (<c>nvmf_ctrlr_abort</c> starts with 1).</summary>
    public uint Dw0 { get; set; } = 1;

    /// <summary><c>req-&gt;req_to_abort</c>: null before the search found it and, in the port, once it was freed.</summary>
    public RdmaRequest? ReqToAbort { get; set; }

    /// <summary>The qpair and generation the command had when found (the stale-pointer oracle's reference).</summary>
    public RdmaQpair? QpairToAbort { get; set; }

    public long GenerationToAbort { get; set; }

    /// <summary><c>req-&gt;timeout_tsc</c> in virtual time: the retry gives up then.</summary>
    public long TimeoutNs { get; set; }

    /// <summary>The next Abort waiting on the same request (two Aborts may name one command).</summary>
    public AbortRequestCtx? NextOnRequest { get; set; }

    /// <inheritdoc/>
    public override string ToString() => $"Abort (SQID {Sqid}, CID {Cid}) from {AbortReq.Qpair}";
}
