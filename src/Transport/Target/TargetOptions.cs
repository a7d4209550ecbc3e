namespace Harness.Transport.Target;

/// <summary>
/// Transport options, SPDK's <c>spdk_nvmf_transport_opts</c> plus the RDMA-specific ones. Defaults are SPDK's,
/// except where a smaller value exercises more code paths in simulation (noted).
/// </summary>
public sealed record TargetOptions
{
    /// <summary>Smallest <see cref="MaxQueueDepth"/> (an NVMe queue has at least two entries).</summary>
    public const int MaxQueueDepthMin = 2;

    /// <summary>Smallest <see cref="IoUnitSize"/>, in bytes.</summary>
    public const int IoUnitSizeMin = 512;

    /// <summary>Largest <see cref="InCapsuleDataSize"/>, in bytes.</summary>
    public const int InCapsuleDataSizeMax = 65536;

    /// <summary>Largest queue depth a qpair negotiates (<c>max_queue_depth</c>).</summary>
    public int MaxQueueDepth { get; init; } = 128;

    /// <summary>Most I/O qpairs per controller.</summary>
    public int MaxQpairsPerCtrlr { get; init; } = 128;

    /// <summary>In-capsule data bytes per capsule (<c>in_capsule_data_size</c>).</summary>
    public int InCapsuleDataSize { get; init; } = 4096;

    /// <summary>Largest I/O in bytes (<c>max_io_size</c>).</summary>
    public int MaxIoSize { get; init; } = 131_072;

    /// <summary>Size of one data buffer (<c>io_unit_size</c>); SPDK defaults to 8 KiB for RDMA.</summary>
    public int IoUnitSize { get; init; } = 8192;

    /// <summary>
    /// Data buffers in the shared pool (<c>num_shared_buffers</c>). With iobuf (SPDK HEAD) this is the small pool:
    /// iobuf's <c>small_pool_count</c> of <see cref="IoUnitSize"/>-byte buffers (iobuf's <c>small_bufsize</c>).
    /// </summary>
    public int NumSharedBuffers { get; init; } = 4095;

    /// <summary>
    /// iobuf's <c>large_pool_count</c> (SPDK default 1024, iobuf.c:15): buffers of <see cref="LargeBufsize"/> for every
    /// request longer than <see cref="IoUnitSize"/> (transport.c:nvmf_request_get_buffers:911). 0, this port's default,
    /// keeps no large pool and cuts every request into small buffers, so the scenarios written before iobuf keep their
    /// buffer counts; any other value selects the pool by length exactly as HEAD.
    /// </summary>
    public int LargePoolCount { get; init; }

    /// <summary>iobuf's <c>large_bufsize</c> in bytes (SPDK default 132 KiB, iobuf.c:24); used when <see cref="LargePoolCount"/> is not 0.</summary>
    public int LargeBufsize { get; init; } = 135_168;

    /// <summary>
    /// The device's <c>max_sge</c> as the target sees it: a qpair's <c>max_send_sge</c> is min(this, the device's,
    /// SPDK_NVMF_MAX_SGL_ENTRIES), and bounds the SGEs of each data WR. A keyed SGL is one WR, so one whose buffers need
    /// more SGEs fails with DATA_SGL_LENGTH_INVALID (rdma.c:nvmf_rdma_fill_wr_sgl:1532).
    /// </summary>
    public int MaxSendSge { get; init; } = 16;

    /// <summary>Data WRs in the transport's pool for multi-descriptor SGLs (<c>data_wr_pool_size</c>).</summary>
    public int DataWrPoolSize { get; init; } = 4095;

    /// <summary>Use one shared receive queue per device per poll group instead of a receive queue per qpair.</summary>
    public bool UseSrq { get; init; }

    /// <summary>
    /// Entries of a poll group's CQ at creation without an SRQ (SPDK <c>num_cqe</c>, DEFAULT_NVMF_RDMA_CQ_SIZE); it
    /// grows by <c>ibv_resize_cq</c> as qpairs join (<see cref="NvmfRdmaTransport.MaxWrPerQp"/> each).
    /// </summary>
    public int NumCqe { get; init; } = 4096;

    /// <summary>Receives per SRQ (<c>max_srq_depth</c>).</summary>
    public int MaxSrqDepth { get; init; } = 4096;

    /// <summary>Completions polled per poller round (SPDK: 32).</summary>
    public int CompletionsPerPollMax { get; init; } = 32;

    /// <summary>CM events handled per acceptor poll (SPDK: 32).</summary>
    public int CmEventsPerPollMax { get; init; } = 32;

    /// <summary>
    /// How long an accepted qpair may wait for its Fabrics CONNECT before it is disconnected: it has no controller yet, so
    /// no keep-alive timer, and an idle RC QP never errors on its own (docs/findings/005; SPDK HEAD has no such bound).
    /// </summary>
    public long FabricConnectTimeoutNsMax { get; init; } = 5_000_000_000;

    /// <summary>Modelled time a command spends executing in the controller/block device.</summary>
    public long ExecutionLatencyNs { get; init; } = 5_000;

    /// <summary>
    /// How long an Abort waits for a command whose RDMA READs are on the wire before it gives up and answers "not
    /// aborted" (SPDK's <c>abort_timeout_sec</c>, default <c>SPDK_NVMF_RDMA_DEFAULT_ABORT_TIMEOUT_SEC</c> = 1 s, rdma.c:2309).
    /// </summary>
    public long AbortTimeoutNs { get; init; } = 1_000_000_000;

    /// <summary>Known-defect switches (default: the fixed behaviour).</summary>
    public KnownDefects Defects { get; init; } = KnownDefects.None;

    /// <summary>Told at every place the target's threads meet (see <see cref="Threading.MeetingPoint"/>); null in production.</summary>
    public Threading.IMeetingPoints? MeetingPoints { get; init; }

    /// <summary>Buffers the largest I/O needs.</summary>
    public int BuffersPerIoMax => (MaxIoSize + IoUnitSize - 1) / IoUnitSize;

    /// <summary>
    /// Rejects combinations under which a well-formed command could wait forever (as SPDK checks at transport
    /// creation): the pool must hold the buffers of the largest I/O, and the data-WR pool the extra WRs it needs.
    /// </summary>
    public void Validate()
    {
        Require(MaxQueueDepth >= MaxQueueDepthMin, nameof(MaxQueueDepth), $"must be at least {MaxQueueDepthMin}");
        Require(IoUnitSize >= IoUnitSizeMin && MaxIoSize >= IoUnitSize, nameof(IoUnitSize), $"must be at least {IoUnitSizeMin} and at most {nameof(MaxIoSize)}");
        Require(MaxSendSge is >= 1 and <= 16, nameof(MaxSendSge), "must be 1..16");
        Require(BuffersPerIoMax <= RdmaRequest.BuffersMax, nameof(MaxIoSize), $"needs more than {RdmaRequest.BuffersMax} buffers of {IoUnitSize} bytes");
        Require(LargePoolCount >= 0, nameof(LargePoolCount), "must not be negative");
        Require(LargePoolCount == 0 || LargeBufsize > IoUnitSize, nameof(LargeBufsize), $"must be above {nameof(IoUnitSize)} (iobuf's small_bufsize)");
        Require(LargePoolCount == 0 || LargePoolCount >= (MaxIoSize + LargeBufsize - 1) / LargeBufsize, nameof(LargePoolCount), $"{LargePoolCount} cannot hold one I/O of {MaxIoSize} bytes");
        Require(NumSharedBuffers >= BuffersPerIoMax, nameof(NumSharedBuffers), $"{NumSharedBuffers} cannot hold one I/O of {MaxIoSize} bytes ({BuffersPerIoMax} buffers)");
        var extraWrs = Nvme.SglDescriptor.MaxInCapsuleDescriptors - 1; // a full descriptor list; a keyed SGL takes none
        Require(DataWrPoolSize >= extraWrs, nameof(DataWrPoolSize), $"{DataWrPoolSize} cannot hold the {extraWrs} extra data WRs of the largest transfer");
        Require(InCapsuleDataSize is >= 0 and <= InCapsuleDataSizeMax, nameof(InCapsuleDataSize), $"must be 0..{InCapsuleDataSizeMax}");
        Require(AbortTimeoutNs >= 0, nameof(AbortTimeoutNs), "must not be negative");
    }

    private static void Require(bool condition, string option, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"target option {option} {problem}", option);
        }
    }
}

/// <summary>
/// The historical SPDK bugs the transport can be switched back to (contract of DESIGN.md: names are the CLI's).
/// </summary>
[Flags]
public enum KnownDefects
{
    None = 0,

    /// <summary>
    /// <c>pending-read-queue-double-insert</c> (SPDK #3463, pre-4e45c5636b): a request whose READs were posted in parts
    /// is completed on a READ error while still linked in the pending RDMA READ queue.
    /// </summary>
    PendingReadQueueDoubleInsert = 1 << 0,

    /// <summary>
    /// <c>lingering-without-ctrlr-lock</c> (SPDK #3347, pre-4985289a62): the host destroys a qpair leaving LINGERING
    /// without the controller lock.
    /// </summary>
    LingeringWithoutCtrlrLock = 1 << 1,

    /// <summary>
    /// <c>target-ignores-rejected</c> (found by this harness, still in SPDK HEAD: docs/findings/001): the target ignores
    /// RDMA_CM_EVENT_REJECTED / UNREACHABLE / CONNECT_ERROR for a qpair it accepted, so with a shared receive queue a
    /// connection the host abandons before its RTU is never closed.
    /// </summary>
    TargetIgnoresRejected = 1 << 2,

    /// <summary>
    /// <c>target-post-failure-reset</c> (found by this harness, still in SPDK HEAD: docs/findings/002): after a failed
    /// <c>ibv_post_send</c>, <c>_poller_submit_sends</c> unlinks the qpair from <c>qpairs_pending_send</c> only after the
    /// bad_wr reset, which can queue a response and so re-insert it while it is still the head; and
    /// <c>_qp_reset_failed_sends</c> settles each request at its first failed WR, answering a write still on the READ
    /// queue and answering or freeing requests whose earlier WRs are on the wire.
    /// </summary>
    TargetPostFailureReset = 1 << 3,

    /// <summary>
    /// <c>host-capsule-post-leak</c> (found by this harness, still in SPDK HEAD: docs/findings/003): when the host's
    /// <c>ibv_post_send</c> of a command capsule fails, the request stays outstanding (its caller gets the errno and frees
    /// the command) and the qpair goes on; a later abort completes the command the caller already gave up.
    /// </summary>
    HostCapsulePostLeak = 1 << 4,

    /// <summary>
    /// <c>srq-recv-lost</c> (found by this harness, still in SPDK HEAD: docs/findings/004): a shared-receive-queue
    /// receive whose <c>ibv_post_srq_recv</c> failed (<c>_poller_reset_failed_recvs</c> only disconnects its qpair), or
    /// one that arrived beyond its qpair's queue depth, is never posted again: the SRQ shrinks for good with each.
    /// </summary>
    SrqRecvLost = 1 << 5,

    /// <summary>
    /// <c>no-fabric-connect-timeout</c> (found by this harness, as SPDK HEAD: docs/findings/005): an accepted qpair whose
    /// host vanishes before sending its Fabrics CONNECT (device removed, host crashed) is kept for ever: no controller,
    /// so no keep-alive, and no traffic, so no error completion.
    /// </summary>
    NoFabricConnectTimeout = 1 << 6,

    /// <summary>
    /// <c>descriptor-list-offset-scaled</c> (found by this harness, in SPDK HEAD: docs/findings/006): the in-capsule
    /// descriptor list is located at <c>(struct spdk_nvme_sgl_descriptor *)recv->buf + sgl->address</c>, so the host's
    /// byte offset is scaled by 16, and it is never bounds-checked: a nonzero offset reads the wrong bytes or outside the
    /// receive buffer.
    /// </summary>
    DescriptorListOffsetScaled = 1 << 7,

    /// <summary>
    /// <c>descriptor-count-unchecked</c> (found by this harness, in SPDK HEAD: docs/findings/007): <c>num_wrs</c> is the
    /// descriptor list's length / 16, never checked against SPDK_NVMF_MAX_SGL_ENTRIES: 17 descriptors pass
    /// <c>nvmf_request_alloc_wrs(16)</c> and <c>nvmf_rdma_request_parse_sgl</c> writes <c>lengths[16]</c> of a 16-entry
    /// stack array; 0 or more than 17 make <c>nvmf_request_alloc_wrs</c> fail with -EINVAL, which NEED_DATA_WR takes for
    /// "no WR yet": the request stays at the head of the poll group's pending_buf_queue for ever, and every later
    /// descriptor-list request of the group behind it.
    /// </summary>
    DescriptorCountUnchecked = 1 << 8,

    /// <summary>
    /// <c>c2h-wrs-exceed-send-depth</c> (found by this harness, in SPDK HEAD: docs/findings/008): a controller-to-host
    /// transfer posts its RDMA WRITEs and the response at once; with a descriptor list of more WRs than the qpair's
    /// max_send_depth - 1 (a queue of depth 8 or less and 16 descriptors) it never fits, and waits at the head of the
    /// pending RDMA WRITE queue for ever, with every later read of the qpair behind it.
    /// </summary>
    C2hWrsExceedSendDepth = 1 << 9,

    /// <summary>
    /// <c>capsule-length-unchecked</c> (found by this harness, in SPDK HEAD: docs/findings/009): the received length of a
    /// capsule (<c>wc.byte_len</c>) is never looked at: a short capsule's command, in-capsule data or descriptor list is
    /// taken from the bytes an earlier capsule left in the receive buffer (with an SRQ, another host's).
    /// </summary>
    CapsuleLengthUnchecked = 1 << 10,

    /// <summary>
    /// <c>disconnect-message-after-destroy</c> (found by this harness, still in SPDK HEAD: docs/findings/013):
    /// <c>nvmf_rdma_disconnect</c> acks DISCONNECTED (or DEVICE_REMOVAL) before it calls spdk_nvmf_qpair_disconnect, and a
    /// disconnect sent to the qpair's thread by message holds no reference: the group thread can free the qpair (its
    /// rdma_destroy_id returns at that ack) before the acceptor's call, or before the message runs.
    /// </summary>
    DisconnectMessageAfterDestroy = 1 << 20,

    /// <summary>
    /// <c>qpair-init-failure-leak</c> (found by this harness, still in SPDK HEAD: docs/findings/014): when
    /// nvmf_rdma_qpair_initialize fails (CQ resize, QP creation, resources) it destroys the cm_id and keeps rdma_qp
    /// pointing at the destroyed QP; the close that follows disconnects the destroyed cm_id, never frees the qpair, and
    /// the CQ entries nvmf_rdma_resize_cq counted are never given back.
    /// </summary>
    QpairInitFailureLeak = 1 << 21,

    /// <summary>
    /// <c>connect-counted-twice</c> (found by this harness, still in SPDK HEAD: docs/findings/015): every Fabrics CONNECT
    /// with a valid SQSIZE on a qpair still CONNECTING takes it out of its poll group's unassociated count again
    /// (ctrlr.c:942), so a second CONNECT (after a first one failed) underflows the count the I/O placement reads.
    /// </summary>
    ConnectCountedTwice = 1 << 22,

    /// <summary>
    /// <c>stale-reconnect-without-ctrlr-lock</c> (found by this harness, still in SPDK HEAD: docs/findings/010): an I/O
    /// qpair's reconnect after a stale-connection reject runs on its poll group without the controller lock, so another
    /// thread draining the shared CM channel can park the new id's ADDR_RESOLVED in the qpair's slot before the qpair
    /// expects it; the qpair then consumes it as a leftover and waits for it until the CM event timeout, and the connect fails.
    /// </summary>
    StaleReconnectWithoutCtrlrLock = 1 << 11,

    /// <summary>
    /// <c>host-trusts-response-cid</c> (found by this harness, still in SPDK HEAD: docs/findings/011): the host takes the
    /// CID of a response capsule as an index into its requests without checking it is in range or names a command in
    /// flight; a response for a free request marks it as answered, and the next command in that slot completes, with the
    /// stale status, as soon as its capsule is sent.
    /// </summary>
    HostTrustsResponseCid = 1 << 12,

    /// <summary>
    /// <c>host-batched-wrs-on-failure</c> (found by this harness, still in SPDK HEAD: docs/findings/012): with
    /// delay_cmd_submit, the poll group ignores a failed post of the round's batch (commands stay outstanding without a
    /// capsule, response buffers are lost), and a qpair that fails in a round keeps that round's queued receives unposted,
    /// so its disconnect lingers until the 1 s timeout.
    /// </summary>
    HostBatchedWrsOnFailure = 1 << 13,

    /// <summary>
    /// <c>free-io-qpair-disconnect-without-ctrlr-lock</c> (found by this harness, still in SPDK HEAD:
    /// docs/findings/022): spdk_nvme_ctrlr_free_io_qpair disconnects the qpair without the controller lock, so another
    /// thread draining the shared CM channel can park the DISCONNECTED that rdma_disconnect provoked before the qpair
    /// expects it (consumed as a leftover: the disconnect waits the whole CM event timeout and skips lingering), and a
    /// qpair freed while still resolving is destroyed without the lock (a late event parked between the sweep and
    /// rdma_destroy_id makes it wait forever, as SPDK #3347).
    /// </summary>
    FreeIoQpairDisconnectWithoutCtrlrLock = 1 << 29,

    /// <summary>
    /// <c>abort-retry-stale-request</c> (found by this harness, still in SPDK HEAD: docs/findings/018): the Abort's retry
    /// poller (<c>_nvmf_rdma_qpair_abort_request</c>) keeps a bare pointer to the request it waits on and re-reads it on
    /// every run without checking it still holds the command the Abort names: once that command completes (a flush) and
    /// its qpair is destroyed in the same poll, the next run reads freed memory; once its slot holds another command (an
    /// SRQ's shared requests), the Abort acts on that command.
    /// </summary>
    AbortRetryStaleRequest = 1 << 25,

    /// <summary>
    /// <c>fused-first-not-cleared</c> (found by this harness, still in SPDK HEAD: docs/findings/020): a fused FIRST that
    /// is freed before the next command arrives (it failed at NEW, or was aborted while it waited for buffers) stays the
    /// qpair's <c>fused_first</c>; the next command reads the fuse bits of that freed request (often its own slot,
    /// reused), so a valid FIRST/SECOND pair later fails ABORTED - MISSING FUSED (or SPDK's debug build asserts).
    /// </summary>
    FusedFirstNotCleared = 1 << 27,

    /// <summary>
    /// <c>fused-reserved-never-executed</c> (found by this harness, still in SPDK HEAD: docs/findings/021): a command with
    /// the reserved FUSE value 11b waits at READY_TO_EXECUTE for a fused pair it can never have: it is never executed
    /// nor answered, and holds its request until the qpair dies.
    /// </summary>
    FusedReservedNeverExecuted = 1 << 28,

    /// <summary>
    /// <c>connect-retry-after-ctrlr-destruct</c> (found by this harness, still in SPDK HEAD: docs/findings/019): an I/O
    /// CONNECT whose QID is still taken by a draining qpair waits 1 ms for a re-check (<c>_retry_qid_check</c>) holding a
    /// bare controller pointer that does not keep the controller alive: when the controller's last qpair goes within that
    /// millisecond, the controller is destructed and freed, and the re-check reads it (use after free).
    /// </summary>
    ConnectRetryAfterCtrlrDestruct = 1 << 14,

    /// <summary>
    /// <c>host-srq-recv-lost</c> (found by reading, still in SPDK HEAD: docs/findings/023): with a host poller's shared
    /// receive queue (<c>rdma_srq_size</c> != 0), the receives of a failed <c>ibv_post_srq_recv</c> (from bad_wr on) are
    /// taken off the queue and off current_num_recvs and posted nowhere: the SRQ is that much shorter for the poller's life.
    /// </summary>
    HostSrqRecvLost = 1 << 30,

    /// <summary>
    /// <c>iobuf-waiter-other-channel</c> (found by this harness, still in SPDK HEAD: docs/findings/016; the bdev layer's
    /// form was spdk#2824): a request waiting for a data buffer in its poll group's iobuf channel is served only by a
    /// put on that same channel. When the buffers come back through another poll group (or another iobuf user) and its
    /// own group frees nothing more, it waits for ever with the pool full.
    /// </summary>
    IobufWaiterOtherChannel = 1 << 23,
}

/// <summary>CLI names of <see cref="KnownDefects"/>.</summary>
public static class KnownDefectNames
{
    public const string PendingReadQueueDoubleInsert = "pending-read-queue-double-insert";
    public const string LingeringWithoutCtrlrLock = "lingering-without-ctrlr-lock";
    public const string TargetIgnoresRejected = "target-ignores-rejected";
    public const string TargetPostFailureReset = "target-post-failure-reset";
    public const string HostCapsulePostLeak = "host-capsule-post-leak";
    public const string SrqRecvLost = "srq-recv-lost";
    public const string NoFabricConnectTimeout = "no-fabric-connect-timeout";
    public const string DescriptorListOffsetScaled = "descriptor-list-offset-scaled";
    public const string DescriptorCountUnchecked = "descriptor-count-unchecked";
    public const string C2hWrsExceedSendDepth = "c2h-wrs-exceed-send-depth";
    public const string CapsuleLengthUnchecked = "capsule-length-unchecked";
    public const string DisconnectMessageAfterDestroy = "disconnect-message-after-destroy";
    public const string QpairInitFailureLeak = "qpair-init-failure-leak";
    public const string ConnectCountedTwice = "connect-counted-twice";
    public const string StaleReconnectWithoutCtrlrLock = "stale-reconnect-without-ctrlr-lock";
    public const string HostTrustsResponseCid = "host-trusts-response-cid";
    public const string HostBatchedWrsOnFailure = "host-batched-wrs-on-failure";
    public const string FreeIoQpairDisconnectWithoutCtrlrLock = "free-io-qpair-disconnect-without-ctrlr-lock";
    public const string AbortRetryStaleRequest = "abort-retry-stale-request";
    public const string FusedFirstNotCleared = "fused-first-not-cleared";
    public const string FusedReservedNeverExecuted = "fused-reserved-never-executed";
    public const string ConnectRetryAfterCtrlrDestruct = "connect-retry-after-ctrlr-destruct";
    public const string HostSrqRecvLost = "host-srq-recv-lost";
    public const string IobufWaiterOtherChannel = "iobuf-waiter-other-channel";

    /// <summary>The defects that live in the host transport (the others are the target's).</summary>
    public const KnownDefects HostDefects = KnownDefects.LingeringWithoutCtrlrLock | KnownDefects.HostCapsulePostLeak
        | KnownDefects.StaleReconnectWithoutCtrlrLock | KnownDefects.HostTrustsResponseCid | KnownDefects.HostBatchedWrsOnFailure
        | KnownDefects.FreeIoQpairDisconnectWithoutCtrlrLock
        | KnownDefects.HostSrqRecvLost;

    /// <summary>Every defect name, in the order of the flags.</summary>
    public static IReadOnlyList<string> All { get; } = new[]
    {
        PendingReadQueueDoubleInsert, LingeringWithoutCtrlrLock, TargetIgnoresRejected, TargetPostFailureReset, HostCapsulePostLeak,
        SrqRecvLost, NoFabricConnectTimeout, DescriptorListOffsetScaled, DescriptorCountUnchecked, C2hWrsExceedSendDepth,
        CapsuleLengthUnchecked,
        DisconnectMessageAfterDestroy, QpairInitFailureLeak, ConnectCountedTwice,
        StaleReconnectWithoutCtrlrLock, HostTrustsResponseCid, HostBatchedWrsOnFailure,
        FreeIoQpairDisconnectWithoutCtrlrLock,
        AbortRetryStaleRequest,
        FusedFirstNotCleared, FusedReservedNeverExecuted,
        ConnectRetryAfterCtrlrDestruct,
        HostSrqRecvLost,
        IobufWaiterOtherChannel,
    };

    /// <summary>Parses one name (as the CLI and HARNESS_DEFECT give it).</summary>
    public static bool TryParse(string name, out KnownDefects defect)
    {
        defect = name switch
        {
            PendingReadQueueDoubleInsert => KnownDefects.PendingReadQueueDoubleInsert,
            LingeringWithoutCtrlrLock => KnownDefects.LingeringWithoutCtrlrLock,
            TargetIgnoresRejected => KnownDefects.TargetIgnoresRejected,
            TargetPostFailureReset => KnownDefects.TargetPostFailureReset,
            HostCapsulePostLeak => KnownDefects.HostCapsulePostLeak,
            SrqRecvLost => KnownDefects.SrqRecvLost,
            NoFabricConnectTimeout => KnownDefects.NoFabricConnectTimeout,
            DescriptorListOffsetScaled => KnownDefects.DescriptorListOffsetScaled,
            DescriptorCountUnchecked => KnownDefects.DescriptorCountUnchecked,
            C2hWrsExceedSendDepth => KnownDefects.C2hWrsExceedSendDepth,
            CapsuleLengthUnchecked => KnownDefects.CapsuleLengthUnchecked,
            DisconnectMessageAfterDestroy => KnownDefects.DisconnectMessageAfterDestroy,
            QpairInitFailureLeak => KnownDefects.QpairInitFailureLeak,
            ConnectCountedTwice => KnownDefects.ConnectCountedTwice,
            StaleReconnectWithoutCtrlrLock => KnownDefects.StaleReconnectWithoutCtrlrLock,
            HostTrustsResponseCid => KnownDefects.HostTrustsResponseCid,
            HostBatchedWrsOnFailure => KnownDefects.HostBatchedWrsOnFailure,
            FreeIoQpairDisconnectWithoutCtrlrLock => KnownDefects.FreeIoQpairDisconnectWithoutCtrlrLock,
            AbortRetryStaleRequest => KnownDefects.AbortRetryStaleRequest,
            FusedFirstNotCleared => KnownDefects.FusedFirstNotCleared,
            FusedReservedNeverExecuted => KnownDefects.FusedReservedNeverExecuted,
            ConnectRetryAfterCtrlrDestruct => KnownDefects.ConnectRetryAfterCtrlrDestruct,
            HostSrqRecvLost => KnownDefects.HostSrqRecvLost,
            IobufWaiterOtherChannel => KnownDefects.IobufWaiterOtherChannel,
            _ => KnownDefects.None,
        };
        return defect != KnownDefects.None;
    }

    /// <summary>The command-line error for an unknown <c>--defect</c> name.</summary>
    public static string Unknown(string name) => $"--defect {name}: unknown defect (known: {string.Join(", ", All)})";

    /// <summary>Folds <c>--defect</c> names into switches; null, or the error naming the first unknown one.</summary>
    public static string? ParseAll(IEnumerable<string> names, out KnownDefects defects) =>
        FirstUnknown(names, out defects) is { } unknown ? Unknown(unknown) : null;

    /// <summary>Folds names already checked (by the command line or the scenario schema); an unknown one is a bug here.</summary>
    public static KnownDefects Fold(IEnumerable<string>? names) =>
        FirstUnknown(names ?? Array.Empty<string>(), out var defects) is { } unknown
            ? throw new ArgumentException(Unknown(unknown) + " (it should have been refused where it was given)", nameof(names))
            : defects;

    /// <summary>The defects named by the environment variable <c>HARNESS_DEFECT</c> (comma-separated), for the test suites.</summary>
    public static KnownDefects FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable("HARNESS_DEFECT");
        var parts = (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return FirstUnknown(parts, out var defects) is { } unknown
            ? throw new ArgumentException($"HARNESS_DEFECT names an unknown defect '{unknown}' (known: {string.Join(", ", All)})")
            : defects;
    }

    /// <summary>Folds <paramref name="names"/> into <paramref name="defects"/> up to the first unknown name, which it returns (null: all known).</summary>
    private static string? FirstUnknown(IEnumerable<string> names, out KnownDefects defects)
    {
        ArgumentNullException.ThrowIfNull(names);
        defects = KnownDefects.None;
        foreach (var name in names)
        {
            if (!TryParse(name, out var d))
            {
                return name;
            }

            defects |= d;
        }

        return null;
    }
}
