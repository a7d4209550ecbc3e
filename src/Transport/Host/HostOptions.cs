using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// Options of the NVMe-oF RDMA host: SPDK's <c>spdk_nvme_ctrlr_opts</c> and transport options that matter here.
/// Every wait and queue has a named bound; times end in their unit.
/// </summary>
public sealed record HostOptions
{
    /// <summary>Admin queue size (SPDK <c>admin_queue_size</c>); the qpair has one entry less.</summary>
    public int AdminQueueSize { get; init; } = 32;

    /// <summary>I/O queue size (SPDK <c>io_queue_size</c>); the qpair has one entry less.</summary>
    public int IoQueueSize { get; init; } = 128;

    /// <summary>I/O queues asked for with Set Features (Number of Queues).</summary>
    public int IoQueuesRequested { get; init; } = 64;

    /// <summary>Host NQN sent in the Fabrics Connect data.</summary>
    public string HostNqn { get; init; } = "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000001";

    /// <summary>Subsystem NQN to connect to.</summary>
    public string SubNqn { get; init; } = "nqn.2016-06.io.spdk:cnode1";

    /// <summary>Host identifier sent in the Fabrics Connect data.</summary>
    public Guid HostId { get; init; } = new("00000000-0000-0000-0000-000000000001");

    /// <summary>rdma_resolve_addr / rdma_resolve_route timeout (SPDK NVME_RDMA_TIME_OUT_IN_MS).</summary>
    public int ResolveTimeoutMs { get; init; } = 2000;

    /// <summary>How long a qpair waits for an expected CM event (SPDK <c>rdma_cm_event_timeout_ms</c>).</summary>
    public long CmEventTimeoutNs { get; init; } = 1_000_000_000;

    /// <summary>Longest a disconnected qpair lingers waiting for its WRs (SPDK NVME_RDMA_DISCONNECTED_QPAIR_TIMEOUT_US).</summary>
    public long LingeringTimeoutNs { get; init; } = 1_000_000_000;

    /// <summary>Delay before reconnecting after a stale-connection reject (SPDK NVME_RDMA_STALE_CONN_RETRY_DELAY_US).</summary>
    public long StaleConnRetryDelayNs { get; init; } = 10_000_000;

    /// <summary>Stale-connection retries before the connect fails (SPDK NVME_RDMA_STALE_CONN_RETRY_MAX).</summary>
    public int StaleConnRetriesMax { get; init; } = 5;

    /// <summary>CM events parked for qpairs whose slot is full (SPDK NVME_RDMA_NUM_CM_EVENTS); beyond it, ack and drop.</summary>
    public int PendingCmEventsMax { get; init; } = 256;

    /// <summary>Transport retry count given to rdma_connect (SPDK <c>transport_retry_count</c>, at most 7).</summary>
    public byte TransportRetryCount { get; init; } = 4;

    /// <summary>
    /// initiator_depth given to rdma_connect. SPDK's host leaves it 0 (it never issues RDMA READs) and offers
    /// responder_resources = the device's max_qp_rd_atom, which the target's CM event presents as its initiator depth
    /// (the CM swaps the two for the passive side; the simulator does too).
    /// </summary>
    public byte ConnectInitiatorDepth { get; init; }

    /// <summary>rnr_retry given to rdma_connect: how often the target retries a response SEND we had no receive for (SPDK: 7, forever).</summary>
    public byte RnrRetryCount { get; init; } = 7;

    /// <summary>
    /// Cap on the responder_resources offered in rdma_connect (otherwise the device's max_qp_rd_atom): the RDMA READs
    /// the target may have outstanding on one qpair, as with a NIC of small max_qp_rd_atom. The target's read depth
    /// follows it, so small values split large writes into READs posted in parts.
    /// </summary>
    public byte ResponderResourcesMax { get; init; } = byte.MaxValue;

    /// <summary>Keep-alive timeout sent in the admin Connect, in ms; Keep Alive is sent every half of it (0 = off).</summary>
    public uint KeepAliveTimeoutMs { get; init; } = 10_000;

    /// <summary>Timeout of an admin command; on expiry the admin qpair fails and the controller is failed.</summary>
    public long AdminTimeoutNs { get; init; } = 5_000_000_000;

    /// <summary>Timeout of an I/O command; on expiry <see cref="TimeoutAction"/> happens (by default its qpair fails).</summary>
    public long IoTimeoutNs { get; init; } = 5_000_000_000;

    /// <summary>What a timed-out I/O command leads to (bdev_nvme's <c>action_on_timeout</c>); admin commands always fail their qpair.</summary>
    public NvmeTimeoutAction TimeoutAction { get; init; } = NvmeTimeoutAction.Reset;

    /// <summary>Interval between CSTS reads while waiting for CSTS.RDY.</summary>
    public long ReadyPollIntervalNs { get; init; } = 1_000_000;

    /// <summary>Admin-queue poll period once the controller is ready (SPDK bdev_nvme <c>nvme_adminq_poll_period_us</c>); 0 = every round.</summary>
    public long AdminPollPeriodNs { get; init; }

    /// <summary>Bound on how long deleting or resetting a controller waits for its qpairs to disconnect.</summary>
    public long ControllerTeardownTimeoutNs { get; init; } = 5_000_000_000;

    /// <summary>Entries of a poll group's shared CQ (SPDK DEFAULT_NVME_RDMA_CQ_SIZE); qpairs need 2 × entries each.</summary>
    public int PollGroupCqEntries { get; init; } = 4096;

    /// <summary>Work completions polled per batch.</summary>
    public int CompletionsPerPollMax { get; init; } = 32;

    /// <summary>Qpairs one poll group may hold.</summary>
    public int PollGroupQpairsMax { get; init; } = 256;

    /// <summary>Buffers the memory map may register.</summary>
    public int MemoryRegionsMax { get; init; } = 4096;

    /// <summary>
    /// An explicit fault, not SPDK behaviour (0 in production): SPDK HEAD re-posts a response buffer's receive at its
    /// RECV completion; with this it is posted this long later — a host whose poller is starved. Responses can then
    /// outrun receives, and the target's SENDs meet RNR NAKs.
    /// </summary>
    public long RecvRepostDelayNs { get; init; }

    /// <summary>
    /// SPDK <c>spdk_nvme_io_qpair_opts.delay_cmd_submit</c>: an I/O qpair of a poll group queues its capsule SENDs and
    /// response re-posts and posts them as one chain per list at the end of the group's round. Off by default, as the
    /// library's default (nvme_ctrlr.c:309); SPDK's bdev_nvme turns it on (SPDK_BDEV_NVME_DEFAULT_DELAY_CMD_SUBMIT).
    /// The admin qpair never batches.
    /// </summary>
    public bool DelayCmdSubmit { get; init; }

    /// <summary>
    /// SPDK <c>spdk_nvme_transport_opts.rdma_srq_size</c>: with a non-zero value each poll group's poller has one shared
    /// receive queue of this many response receives (clamped to the device's max_srq_wr), shared by every I/O qpair of
    /// the group, and its CQ is fixed at twice that (nvme_rdma.c:nvme_rdma_poller_create:3555–3610). 0 (the default, as
    /// HEAD): every qpair posts its own receives.
    /// </summary>
    public int RdmaSrqSize { get; init; }

    /// <summary>Known-defect switches (default: the fixed behaviour). Only <see cref="KnownDefectNames.HostDefects"/> concern the host.</summary>
    public KnownDefects Defects { get; init; } = KnownDefects.None;

    /// <summary>
    /// Called at points where a real thread could lose the CPU (see <see cref="HostInterleavingPoint"/>). Null in
    /// production; deterministic tests run another thread's poller there, Coyote tests put a scheduling point there.
    /// </summary>
    public IHostInterleaving? Interleaving { get; init; }

    /// <summary>Told at every place the host's threads meet (see <see cref="Threading.MeetingPoint"/>); null in production.</summary>
    public Threading.IMeetingPoints? MeetingPoints { get; init; }

    /// <summary>Told of state changes, CM events and error completions (null in production: nothing is done).</summary>
    public IHostObserver? Observer { get; init; }

    /// <summary>Log sink for SPDK-style lines (null: no logging).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Largest <see cref="RdmaSrqSize"/>: a response buffer's index is the low 16 bits of its wr id.</summary>
    public const int RdmaSrqSizeMax = ushort.MaxValue;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        Require(AdminQueueSize is >= 2 and <= 4096, nameof(AdminQueueSize), "2..4096");
        Require(IoQueueSize is >= 2 and <= ushort.MaxValue, nameof(IoQueueSize), "2..65535");
        Require(IoQueuesRequested is >= 1 and < ushort.MaxValue, nameof(IoQueuesRequested), "1..65534");
        Require(ResolveTimeoutMs > 0 && CmEventTimeoutNs > 0 && LingeringTimeoutNs >= 0, nameof(CmEventTimeoutNs), "positive timeouts");
        Require(AdminTimeoutNs > 0 && IoTimeoutNs > 0 && ControllerTeardownTimeoutNs > 0, nameof(IoTimeoutNs), "positive timeouts");
        Require(TransportRetryCount <= VerbsLimits.RetryCountMax, nameof(TransportRetryCount), RetryCountRange("retry_cnt", TransportRetryCount));
        Require(RnrRetryCount <= VerbsLimits.RetryCountMax, nameof(RnrRetryCount), RetryCountRange("rnr_retry", RnrRetryCount));
        Require(RecvRepostDelayNs >= 0, nameof(RecvRepostDelayNs), "non-negative");
        Require(PendingCmEventsMax >= 0 && StaleConnRetriesMax >= 0, nameof(PendingCmEventsMax), "non-negative");
        Require(RdmaSrqSize is >= 0 and <= RdmaSrqSizeMax, nameof(RdmaSrqSize), "0..65535 (a response index is 16 bits of the wr id)");
        Require(CompletionsPerPollMax >= 1 && PollGroupCqEntries >= 2 && PollGroupQpairsMax >= 1, nameof(CompletionsPerPollMax), "positive");
    }

    /// <summary>What a retry count must be, and the value given (3-bit fields of ibv_qp_attr; 7 is "forever" for rnr_retry).</summary>
    private static string RetryCountRange(string field, byte value) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"0..{VerbsLimits.RetryCountMax} (ibv_qp_attr.{field}), not {value}");

    private static void Require(bool holds, string name, string what)
    {
        if (!holds)
        {
            throw new ArgumentException($"host option {name} must be {what}", name);
        }
    }
}
