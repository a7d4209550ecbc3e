using Harness.Transport.Invariants;
using Harness.Transport.Nvme;

namespace Harness.Transport.Target;

/// <summary>
/// The generic layer's data buffers (transport.c: <c>spdk_nvmf_request_get_buffers</c>, the iobuf callback,
/// <c>nvmf_request_get_buffers_abort</c>, <c>spdk_nvmf_request_free_buffers</c>) and the RDMA transport's
/// <c>req_get_buffers_done</c> hook, over the poll group's <see cref="IobufChannel"/>.
/// </summary>
public sealed partial class NvmfRdmaTransport
{
    /// <summary>What <see cref="GetBuffers"/> found (SPDK: 0, -ENOMEM, -EINVAL).</summary>
    private enum BufferGet
    {
        Done,
        NoMemory,
        TooMany,
    }

    /// <summary>
    /// <c>spdk_nvmf_request_get_buffers</c> (transport.c:982) for a request holding none: with the RDMA transport's
    /// <c>req_get_buffers_done</c> the buffers already got stay with the request on -ENOMEM, and the rest come by callback.
    /// </summary>
    private BufferGet RequestGetBuffers(RdmaRequest req, RdmaQpair qpair, uint length)
    {
        Check.That(req.BufferCount == 0, InvariantNames.BufferConservation, req, r => $"{r} gets buffers while holding {r.BufferCount}");
        Check.That(!qpair.Poller!.Group.Iobuf.IsWaiting(req), InvariantNames.RequestInOneQueue, req, r => $"{r} gets buffers while still waiting in its iobuf channel");
        return GetBuffers(req, qpair.Poller!.Group.Iobuf, length);
    }

    /// <summary>
    /// <c>nvmf_request_get_buffers</c> (transport.c:899): cut <paramref name="length"/> into units of the pool its size
    /// picks and take them one by one; at the first empty pool remember what is missing (<c>remaining_length</c>) and
    /// leave the request queued in the channel.
    /// </summary>
    private BufferGet GetBuffers(RdmaRequest req, IobufChannel channel, uint length)
    {
        var unit = channel.Iobuf.UnitFor(length);
        if ((length + unit - 1) / unit > (uint)(RdmaRequest.BuffersMax - req.BufferCount))
        {
            return BufferGet.TooMany; // transport.c:921 NVMF_REQ_MAX_BUFFERS
        }

        while (length > 0)
        {
            var iovLength = Math.Min(unit, length);
            var buffer = channel.Get(iovLength, req);
            if (buffer < 0)
            {
                req.IobufRemainingLength = length;
                return BufferGet.NoMemory;
            }

            SetBuffer(req, buffer, iovLength);
            length -= iovLength;
        }

        req.IobufRemainingLength = 0;
        return BufferGet.Done;
    }

    /// <summary><c>nvmf_request_set_buffer</c> (transport.c:888).</summary>
    private static void SetBuffer(RdmaRequest req, int buffer, uint length)
    {
        Check.That(req.BufferCount < RdmaRequest.BuffersMax, InvariantNames.BufferBounds, req, r => $"{r} holds {RdmaRequest.BuffersMax} buffers and takes one more");
        req.Buffers[req.BufferCount] = buffer;
        req.BufferLengths[req.BufferCount] = length;
        req.BufferCount++;
    }

    /// <summary>
    /// <c>nvmf_request_iobuf_get_cb</c> (transport.c:950): a put handed <paramref name="buffer"/> to the waiting
    /// <paramref name="req"/>. It takes it for the next iov, tries for the rest, and once it has everything the transport's
    /// <c>req_get_buffers_done</c> moves it on - still inside the put.
    /// </summary>
    private void OnIobufGet(RdmaRequest req, int buffer)
    {
        var qpair = req.Qpair;
        Check.That(qpair is { Poller: not null, Destroyed: false }, InvariantNames.ObjectLifetime, req, r =>
            $"{r} got a data buffer from an iobuf put after its qpair was destroyed (the entry was never aborted: use after free)");
        Check.That(req.State == RdmaRequestState.NeedBuffer, InvariantNames.StateTransition, req, r =>
            $"{r} got a data buffer from an iobuf put in state {r.State.ToName()}, not NEED_BUFFER");
        var channel = qpair!.Poller!.Group.Iobuf;
        var length = req.IobufRemainingLength;
        var iovLength = channel.Iobuf.NextIovLength(length);
        SetBuffer(req, buffer, iovLength);
        length -= iovLength;
        if (length == 0 || GetBuffers(req, channel, length) == BufferGet.Done)
        {
            req.IobufRemainingLength = 0;
            GetBuffersDone(req, qpair);
        }
    }

    /// <summary>
    /// <c>nvmf_rdma_request_get_buffers_done</c> (rdma.c:4306): off the qpair's pending_iobuf_queue, the data WRs built
    /// over the buffers (or the command failed), and the request processed on from HAVE_BUFFER.
    /// </summary>
    private void GetBuffersDone(RdmaRequest req, RdmaQpair qpair)
    {
        qpair.PendingIobufQueue.Remove(req);
        if (FillDataWrs(req, qpair))
        {
            SetState(req, RdmaRequestState.HaveBuffer);
        }
        else
        {
            ReleaseBuffers(req, qpair);
            CompleteWithStatus(req, qpair, NvmeStatus.DataSglLengthInvalid);
        }

        ProcessRequest(req);
    }

    /// <summary>
    /// <c>nvmf_request_get_buffers_abort</c> (transport.c:1026): takes a waiting request's entry out of its channel (the
    /// queue its <c>remaining_length</c> picks). The buffers it already got are freed with the request.
    /// </summary>
    private static void AbortGetBuffers(RdmaRequest req, RdmaPollGroup group)
    {
        var channel = group.Iobuf;
        channel.Abort(req, channel.Iobuf.NextIovLength(req.IobufRemainingLength));
        Check.That(!channel.IsWaiting(req), InvariantNames.RequestInOneQueue, req, r => $"{r} still waits in its iobuf channel after the abort of its entry");
    }

    /// <summary>
    /// A waiting request leaves both places it waits in: its qpair's pending_iobuf_queue and its entry in the group's
    /// iobuf channel (HEAD does both at each site: rdma.c:1927 error pre-step, 4997 abort, 4234 poll_group_remove).
    /// </summary>
    private void LeavePendingIobuf(RdmaRequest req, RdmaQpair qpair)
    {
        qpair.PendingIobufQueue.Remove(req);
        AbortGetBuffers(req, qpair.Poller!.Group);
    }

    /// <summary>
    /// <c>spdk_nvmf_request_free_buffers</c> (transport.c:872): every held buffer back through the channel, by its
    /// length; each may go straight to a waiter of this channel and run its callback here.
    /// </summary>
    private void ReleaseBuffers(RdmaRequest req, RdmaQpair qpair)
    {
        var channel = qpair.Poller!.Group.Iobuf;
        var count = req.BufferCount;
        req.BufferCount = 0; // before the puts: a callback they run must not see these buffers as still held
        for (var i = 0; i < count; i++)
        {
            channel.Put(req.Buffers[i], req.BufferLengths[i]);
        }
    }

    /// <summary>
    /// <c>nvmf_rdma_poll_group_remove</c> (rdma.c:4234): every request of the qpair still waiting for buffers leaves its
    /// channel and is completed with ABORTED - SQ DELETION.
    /// </summary>
    private void RemovePendingIobuf(RdmaQpair qpair)
    {
        if (qpair.Poller == null)
        {
            return;
        }

        while (qpair.PendingIobufQueue.First is { } req)
        {
            LeavePendingIobuf(req, qpair);
            CompleteWithStatus(req, qpair, NvmeStatus.AbortedSqDeletion);
        }
    }

    /// <summary>
    /// A core does not record the iobuf channel: each restored request of a pending_iobuf_queue waits in its group's
    /// channel for its whole length, in the queue's order, as if its first get had found the pool empty.
    /// </summary>
    internal void RestoreIobufWaiters(RdmaQpair qpair)
    {
        var channel = qpair.Poller!.Group.Iobuf;
        for (var req = qpair.PendingIobufQueue.First; req != null; req = req.StateNext)
        {
            if (req.State == RdmaRequestState.NeedBuffer && req.BufferCount == 0 && !channel.IsWaiting(req))
            {
                req.IobufRemainingLength = req.Length;
                channel.Enqueue(req, channel.Iobuf.NextIovLength(req.Length));
            }
        }
    }
}
