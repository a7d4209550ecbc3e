using Harness.Transport.Nvme;
using Harness.Transport.Threading;

namespace Harness.Transport.Target;

/// <summary>
/// A command as the generic NVMe-oF layer sees it (SPDK's <c>spdk_nvmf_request</c>): the 64-byte SQE, its data, the
/// qpair it came on, and the completion to fill. Implemented by the RDMA request; no allocation per command.
/// </summary>
public interface INvmfRequest
{
    /// <summary>The submission queue entry.</summary>
    ReadOnlySpan<byte> Command { get; }

    NvmeDataTransfer Xfer { get; }

    /// <summary>Bytes of data the command transfers.</summary>
    uint Length { get; }

    INvmfQpair Qpair { get; }

    /// <summary>Copies host-to-controller data at <paramref name="offset"/> into <paramref name="destination"/>; returns bytes copied.</summary>
    int CopyFromData(int offset, Span<byte> destination);

    /// <summary>Copies controller-to-host data to <paramref name="offset"/>; returns bytes copied.</summary>
    int CopyToData(int offset, ReadOnlySpan<byte> source);

    /// <summary>Completes the command with <paramref name="status"/> and CQE dwords 0 and 1 (DW1: upper half of an 8-byte property).</summary>
    void Complete(NvmeStatus status, uint dw0, uint dw1 = 0);

    /// <summary>
    /// Completes the command as <see cref="Complete"/> does, but the transport sees the completion only
    /// <paramref name="delayNs"/> later, on its own thread: an asynchronous block-device completion (SPDK's bdev calls
    /// back <c>nvmf_bdev_ctrlr_complete_cmd</c> whenever its I/O ends), during which the request stays EXECUTING. A
    /// transport without such a path completes at once.
    /// </summary>
    void CompleteAfter(NvmeStatus status, uint dw0, long delayNs) => Complete(status, dw0);

    /// <summary>
    /// This request is an Abort the controller layer could not serve itself (<c>nvmf_ctrlr_abort</c>, ctrlr.c:3961): the
    /// transport looks for the controller's qpair <paramref name="sqid"/> on each poll group's thread in turn, aborts
    /// command <paramref name="cid"/> there as its state allows, and completes this request later, exactly once, with
    /// DW0 bit 0 clear when the command was aborted. A transport without poll groups answers "not aborted" at once.
    /// </summary>
    void AbortCommand(ushort sqid, ushort cid) => Complete(NvmeStatus.Success, 1);

    /// <summary>
    /// Runs <paramref name="fn"/>(<paramref name="ctx"/>) on the thread of the request's qpair: a message when called from
    /// another thread (HEAD sends <c>nvmf_ctrlr_send_connect_rsp</c> to <c>qpair-&gt;group-&gt;thread</c>, ctrlr.c:327), at
    /// once on that thread or for a transport without threads. The request stays outstanding until then.
    /// </summary>
    void SendToItsThread(ThreadMessageFn fn, object? ctx) => fn(ctx);
}

/// <summary>A qpair as the generic layer sees it.</summary>
public interface INvmfQpair
{
    /// <summary>Queue id from the CM private data (0 = admin).</summary>
    ushort Qid { get; }

    /// <summary>Negotiated queue depth.</summary>
    int MaxQueueDepth { get; }

    /// <summary>The controller this qpair belongs to (set by the Fabrics Connect).</summary>
    object? Controller { get; set; }

    /// <summary>Submission queue size granted by the Fabrics Connect (0's based).</summary>
    ushort SqSize { get; set; }

    /// <summary>Marks the qpair enabled (after a successful Fabrics Connect).</summary>
    void Enable();

    /// <summary>
    /// A Fabrics CONNECT with a valid SQSIZE arrived on it (SPDK sets <c>connect_received</c>, ctrlr.c:938, and moves the
    /// qpair from its poll group's unassociated count to the admin or I/O count, which the I/O placement reads).
    /// </summary>
    void OnConnectReceived()
    {
    }

    /// <summary>
    /// The SPDK thread the qpair runs on (its poll group's, <c>qpair-&gt;group-&gt;thread</c>); null for a qpair without one
    /// (then the controller's timers run from <see cref="INvmfRequestHandler.Poll"/>).
    /// </summary>
    IReactor? Thread => null;

    /// <summary>Asks the transport to disconnect the qpair (keep-alive expiry, controller shutdown).</summary>
    void Disconnect();

    /// <summary>
    /// The fused FIRST (a Compare) the controller holds until its SECOND arrives (<c>spdk_nvmf_qpair.first_fused_req</c>);
    /// owned by the generic layer, the transport only stores it.
    /// </summary>
    INvmfRequest? FirstFusedReq { get; set; }
}

/// <summary>
/// The generic NVMe-oF layer (subsystem, controllers, namespaces) behind the RDMA transport: SPDK's
/// <c>spdk_nvmf_request_exec</c> and the qpair lifecycle hooks.
/// </summary>
public interface INvmfRequestHandler
{
    /// <summary>
    /// Executes a command. Calls <see cref="INvmfRequest.Complete"/> exactly once: before returning, or, for a command it
    /// holds (an Asynchronous Event Request), later, at the latest from <see cref="OnQpairDisconnect"/> of its qpair.
    /// </summary>
    void Execute(INvmfRequest request);

    /// <summary>
    /// The qpair is being disconnected (DEACTIVATING, nvmf.c:spdk_nvmf_qpair_disconnect:1712): held requests end; the
    /// qpair still belongs to its controller until <see cref="OnQpairFiniComplete"/>.
    /// </summary>
    void OnQpairDisconnect(INvmfQpair qpair);

    /// <summary>
    /// The transport's fini of the qpair is complete (nvmf.c:_nvmf_transport_qpair_fini_complete:1563, called at the end of
    /// the transport's close): the controller lets go of the qpair's QID, and is destructed when that was its last qpair.
    /// </summary>
    void OnQpairFiniComplete(INvmfQpair qpair)
    {
    }

    /// <summary>
    /// Called regularly on the acceptor thread: duplicate-QID re-checks of held CONNECTs, the keep-alive timers of
    /// controllers whose admin qpair has no thread, and the disconnects the controller layer queued. Returns the work
    /// done (re-checks run, timers expired, controllers whose disconnects went out).
    /// </summary>
    int Poll(long nowNs);

    /// <summary>
    /// The transport runs <see cref="Poll"/> on <paramref name="acceptor"/>: a handler that queues work for it from
    /// another thread (a re-check, a disconnect) tells that thread (<see cref="IReactor.Notify"/>).
    /// </summary>
    void OnAcceptorStarted(IReactor acceptor)
    {
    }

    /// <summary>
    /// When <see cref="Poll"/> next has timed work (a re-check due, a keep-alive timer to look at), or
    /// <see cref="Threading.ITimedPoller.Never"/>: the acceptor's poller may sleep until then.
    /// </summary>
    long NextPollNs(long nowNs) => Threading.ITimedPoller.Never;
}
