using Harness.Transport.Invariants;

namespace Harness.Transport.Target;

/// <summary>
/// The target's oracle (DESIGN.md "Invariants"), checked after every step by the simulator: each request is in exactly
/// one place consistent with its state; every queue is a well-formed list of its own members; depth counters equal the
/// WRs actually outstanding; queue_depth equals the capsules held; nothing is leaked.
/// </summary>
public static partial class TargetInvariants
{
    /// <summary>Checks every live qpair of <paramref name="transport"/>; throws <see cref="InvariantViolationException"/> at the first problem.</summary>
    public static void CheckAll(NvmfRdmaTransport transport)
    {
        // Index loops: a foreach over IReadOnlyList boxes its enumerator, and this runs after every simulator event.
        for (var i = 0; i < transport.Qpairs.Count; i++)
        {
            var qpair = transport.Qpairs[i];
            if (!qpair.Destroyed && qpair.Resources != null)
            {
                CheckQpair(qpair);
            }
        }

        CheckIobuf(transport);
        for (var i = 0; i < transport.PollGroups.Count; i++)
        {
            var group = transport.PollGroups[i];
            CheckQueueMembers<BufLink>(group.PendingBufQueue.First, group.PendingBufQueue.Id);
            for (var j = 0; j < group.Pollers.Count; j++)
            {
                var poller = group.Pollers[j];
                if (poller.SrqResources != null && !poller.NeedDestroy)
                {
                    CheckReceives(poller.SrqResources, poller.FailedSrqRecvs.Count());
                }
            }
        }
    }

    /// <summary>Checks one qpair's queues, request placement and counters.</summary>
    public static void CheckQpair(RdmaQpair qpair)
    {
        CheckQueueMembers<StateLink>(qpair.PendingIobufQueue.First, qpair.PendingIobufQueue.Id);
        CheckQueueMembers<StateLink>(qpair.PendingRdmaReadQueue.First, qpair.PendingRdmaReadQueue.Id);
        CheckQueueMembers<StateLink>(qpair.PendingRdmaWriteQueue.First, qpair.PendingRdmaWriteQueue.Id);
        CheckQueueMembers<StateLink>(qpair.PendingRdmaSendQueue.First, qpair.PendingRdmaSendQueue.Id);
        var resources = qpair.Resources!;
        CheckQueueMembers<StateLink>(resources.FreeQueue.First, resources.FreeQueue.Id);
        int sendWrs = 0, reads = 0, active = 0, withRecv = 0;
        foreach (var req in resources.Reqs) // an array: no enumerator allocation
        {
            CheckPlacement(req, qpair);
            Check.That(req.StateOwner != qpair.PendingIobufQueue.Id || !req.IobufOwner.IsNone, InvariantNames.QueueStateConsistent, req, r =>
                $"{r} waits in pending_iobuf_queue but in no iobuf channel queue: no put will ever move it on");
            withRecv += req.Recv != null ? 1 : 0;
            if (req.State != RdmaRequestState.Free && req.Qpair == qpair)
            {
                active++;
                // WRITEs are on the wire from the response's post on: with it, or alone when the post failed at the SEND.
                var writes = req.RspPosted || req.State == RdmaRequestState.TransferringControllerToHost ? req.NumOutstandingDataWr : 0;
                sendWrs += req.OutstandingReads + writes + (req.RspPosted ? 1 : 0);
                reads += req.OutstandingReads;
            }
        }

        var posted = CountPosted(resources); // one pass over the receives serves both checks below
        if (qpair.Poller?.Srq == null && qpair.IsActive && !qpair.IbvInErrorState && !qpair.DisconnectStarted)
        {
            CheckReceiveCount(resources, posted, withRecv, failed: 0); // once its QP is in error, flushed receives are simply not re-posted
        }

        CheckCounters(qpair, sendWrs, reads, active, unposted: resources.Recvs.Length - posted);
    }

    /// <summary>
    /// receive-conservation: posted (or batched to be) + waiting on incoming_queue + held by requests + waiting to be
    /// posted again = the pool's receives. Fewer: one was lost (the queue shrinks for good); more: one is in two places
    /// (in C the same buffer posted twice, or posted while a request still reads its capsule).
    /// </summary>
    public static void CheckReceives(RdmaResources resources, int failed)
    {
        var held = 0;
        foreach (var req in resources.Reqs)
        {
            held += req.Recv != null ? 1 : 0;
        }

        CheckReceiveCount(resources, CountPosted(resources), held, failed);
    }

    private static int CountPosted(RdmaResources resources)
    {
        var posted = 0;
        foreach (var recv in resources.Recvs)
        {
            posted += recv.Posted ? 1 : 0;
        }

        return posted;
    }

    private static void CheckReceiveCount(RdmaResources resources, int posted, int held, int failed)
    {
        var incoming = resources.IncomingQueue.Count();
        Check.That(posted + incoming + held + failed == resources.Recvs.Length, InvariantNames.ReceiveConservation,
            (resources, posted, incoming, held, failed),
            s => $"{s.resources}: {s.resources.Recvs.Length} receives but {s.posted} posted + {s.incoming} on incoming_queue + {s.held} held by requests + {s.failed} awaiting re-post = {s.posted + s.incoming + s.held + s.failed}");
    }

    private static void CheckPlacement(RdmaRequest req, RdmaQpair qpair)
    {
        var owner = req.StateOwner;
        var expected = req.State switch
        {
            RdmaRequestState.Free => req.Resources.FreeQueue.Id,
            RdmaRequestState.DataTransferToControllerPending => qpair.PendingRdmaReadQueue.Id,
            RdmaRequestState.TransferringHostToController when req.NumRemainingDataWr > 0 => qpair.PendingRdmaReadQueue.Id,
            RdmaRequestState.DataTransferToHostPending => qpair.PendingRdmaWriteQueue.Id,
            RdmaRequestState.ReadyToCompletePending => qpair.PendingRdmaSendQueue.Id,
            RdmaRequestState.NeedBuffer when !owner.IsNone => qpair.PendingIobufQueue.Id,
            _ => StailqId.None,
        };
        if (req.State != RdmaRequestState.Free && req.Qpair != qpair)
        {
            return; // SRQ resources: another qpair's request
        }

        Check.That(owner == expected, InvariantNames.QueueStateConsistent, (req, owner, expected),
            s => $"{s.req} is on {s.owner} but its state {s.req.State.ToName()} belongs on {s.expected}");
        Check.That(req.State != RdmaRequestState.Free || (!req.RspPosted && req.OutstandingReads == 0),
            InvariantNames.DepthCounters, req, r => $"{r} is FREE with WRs still on the wire ({r.OutstandingReads} RDMA READs, response posted {r.RspPosted})");
        Check.That((req.State == RdmaRequestState.NeedDataWr) == !req.BufOwner.IsNone, InvariantNames.QueueStateConsistent, req,
            r => $"{r} is {(r.BufOwner.IsNone ? "not " : string.Empty)}on pending_buf_queue in state {r.State.ToName()}");
    }

    private static void CheckCounters(RdmaQpair qpair, int sendWrs, int reads, int active, int unposted)
    {
        Check.That(qpair.CurrentSendDepth == sendWrs, InvariantNames.DepthCounters, (qpair, sendWrs),
            s => $"{s.qpair}: current_send_depth {s.qpair.CurrentSendDepth} but {s.sendWrs} send WRs are outstanding");
        Check.That(qpair.CurrentReadDepth == reads, InvariantNames.DepthCounters, (qpair, reads),
            s => $"{s.qpair}: current_read_depth {s.qpair.CurrentReadDepth} but {s.reads} RDMA READs are outstanding");
        var resources = qpair.Resources!;
        var incoming = 0;
        for (var r = resources.IncomingQueue.First; r != null; r = r.Next)
        {
            incoming += r.Qpair == qpair ? 1 : 0;
        }

        Check.That(qpair.QueueDepth == active + incoming, InvariantNames.DepthCounters, (qpair, active, incoming),
            s => $"{s.qpair}: queue_depth {s.qpair.QueueDepth} but {s.active} requests are in use and {s.incoming} capsules wait");
        if (qpair.Poller?.Srq == null)
        {
            Check.That(qpair.CurrentRecvDepth == unposted, InvariantNames.DepthCounters, (qpair, unposted),
                s => $"{s.qpair}: current_recv_depth {s.qpair.CurrentRecvDepth} but {s.unposted} receives are not posted");
        }
    }

    /// <summary>Walks a queue from its head: every element reachable must be owned by that queue (a shared link joining two lists shows here).</summary>
    private static void CheckQueueMembers<TLink>(RdmaRequest? first, StailqId queue)
        where TLink : struct, IStailqLink<RdmaRequest>
    {
        var steps = 0;
        for (var r = first; r != null; r = TLink.GetNext(r))
        {
            Check.That(++steps < Stailq<RdmaRequest, TLink>.WalkStepsMax, InvariantNames.QueueIntegrity, queue, q => $"{q} has a cycle");
            Check.That(TLink.GetOwner(r) == queue, InvariantNames.RequestInOneQueue, (r, queue),
                s => $"{s.r} is reachable from {s.queue} but was last inserted into {TLink.GetOwner(s.r)}: the shared link joins the two lists");
        }
    }

    /// <summary>
    /// buffer-conservation, for each iobuf pool: free + held by requests (their iovs, a waiter's partial ones included)
    /// = the pool's count, every held buffer out of its pool; and each channel's waiters are NEED_BUFFER requests in
    /// their qpair's pending_iobuf_queue still missing bytes. Between steps no buffer is in flight inside a put.
    /// </summary>
    public static void CheckIobuf(NvmfRdmaTransport transport)
    {
        var iobuf = transport.Buffers;
        if (iobuf == null)
        {
            return;
        }

        int small = 0, large = 0;
        for (var i = 0; i < transport.Qpairs.Count; i++)
        {
            var qpair = transport.Qpairs[i];
            if (!qpair.Destroyed && qpair.Resources != null && !ReferenceEquals(qpair.Resources, qpair.Poller?.SrqResources))
            {
                CountHeld(iobuf, qpair.Resources, ref small, ref large);
            }
        }

        for (var g = 0; g < transport.PollGroups.Count; g++)
        {
            var group = transport.PollGroups[g];
            for (var p = 0; p < group.Pollers.Count; p++)
            {
                if (group.Pollers[p].SrqResources is { } srq)
                {
                    CountHeld(iobuf, srq, ref small, ref large);
                }
            }

            CheckWaiters(group.Iobuf.SmallQueue.First);
            CheckWaiters(group.Iobuf.LargeQueue.First);
        }

        CheckPoolCount(iobuf.Small, small);
        if (iobuf.Large != null)
        {
            CheckPoolCount(iobuf.Large, large);
        }
    }

    private static void CountHeld(Iobuf iobuf, RdmaResources resources, ref int small, ref int large)
    {
        foreach (var req in resources.Reqs)
        {
            for (var b = 0; b < req.BufferCount; b++)
            {
                var pool = iobuf.PoolFor(req.BufferLengths[b]);
                Check.That(pool.InUse(req.Buffers[b]), InvariantNames.BufferConservation, (req, pool, b), s =>
                    $"{s.req} holds {s.pool.Name} buffer {s.req.Buffers[s.b]} (iov {s.b}) which is free in its pool: a put while still held");
                if (ReferenceEquals(pool, iobuf.Small))
                {
                    small++;
                }
                else
                {
                    large++;
                }
            }
        }
    }

    private static void CheckPoolCount(BufferPool pool, int held)
    {
        var total = pool.Available + held + pool.Withheld;
        Check.That(total == pool.Count, InvariantNames.BufferConservation, (pool, held, total), s =>
            $"iobuf {s.pool.Name} pool: {s.pool.Count} buffers but {s.pool.Available} free + {s.held} held by requests + {s.pool.Withheld} by other iobuf users = {s.total} ({(s.total < s.pool.Count ? "lost: a request let go of buffers it never put back" : "one buffer in two places")})");
    }

    private static void CheckWaiters(RdmaRequest? first)
    {
        var steps = 0;
        for (var req = first; req != null; req = req.IobufNext)
        {
            Check.That(++steps < Stailq<RdmaRequest, IobufLink>.WalkStepsMax, InvariantNames.QueueIntegrity, req, r => $"iobuf waiter queue through {r} does not end (cycle)");
            var qpair = req.Qpair;
            Check.That(req.State == RdmaRequestState.NeedBuffer && qpair != null && !qpair.Destroyed && req.StateOwner == qpair.PendingIobufQueue.Id,
                InvariantNames.QueueStateConsistent, req, r => $"{r} waits in an iobuf channel in state {r.State.ToName()} outside its qpair's pending_iobuf_queue (owner {r.StateOwner}): a put would hand it a buffer it cannot use");
            Check.That(req.IobufRemainingLength > 0, InvariantNames.QueueStateConsistent, req, r => $"{r} waits in an iobuf channel with no bytes left to get");
        }
    }

    /// <summary>At destruction: every request of the qpair's own resources is free and holds nothing (no leak).</summary>
    public static void CheckDestroyed(RdmaQpair qpair)
    {
        var shared = qpair.Poller?.SrqResources is { } srq && ReferenceEquals(srq, qpair.Resources);
        foreach (var req in qpair.Resources!.Reqs)
        {
            if (shared && (req.State == RdmaRequestState.Free || req.Qpair != qpair))
            {
                continue; // the SRQ's pool: only this qpair's requests are its to give back
            }

            Check.That(req.State == RdmaRequestState.Free, InvariantNames.NoLeakOnDestroy, req, r => $"{r} is not free when its qpair is destroyed");
            Check.That(req.BufferCount == 0, InvariantNames.NoLeakOnDestroy, req, r => $"{r} still holds {r.BufferCount} data buffers at qpair destruction");
            Check.That(req.IobufOwner.IsNone, InvariantNames.NoLeakOnDestroy, req, r => $"{r} still waits in {r.IobufOwner} at qpair destruction: a later put would hand a buffer to a freed request");
        }

        // A command the controller layer still executes would complete into a freed request (SPDK's generic layer waits
        // for outstanding requests before the transport may destroy the qpair). A removed device is the exception: it
        // destroys everything at once, and the late completion is dropped.
        Check.That(qpair.Executing == 0 || qpair.Poller is { NeedDestroy: true }, InvariantNames.NoLeakOnDestroy, qpair,
            q => $"{q} destroyed with {q.Executing} command(s) still executing in the controller layer");

        Check.That(qpair.CurrentSendDepth == 0, InvariantNames.NoLeakOnDestroy, qpair, q => $"{q} destroyed with current_send_depth {q.CurrentSendDepth}");
        Check.That(qpair.QueueDepth == 0, InvariantNames.NoLeakOnDestroy, qpair, q => $"{q} destroyed with queue_depth {q.QueueDepth}");
    }
}
