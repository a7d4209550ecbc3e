using System.Net;
using Harness.Transport.Host;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>Parameters of the host driver (SPDK's <c>spdk_nvme_ctrlr_opts</c> where one exists).</summary>
public sealed record NvmeHostDriverOptions
{
    /// <summary>Command tags one qpair may have (the completion contexts are preallocated per tag).</summary>
    public const int QueueDepthMax = 256;

    /// <summary>Failure reasons kept for the summary.</summary>
    public const int FailureReasonsMax = 64;

    /// <summary>The target's address and port.</summary>
    public IPEndPoint TargetAddress { get; init; } = new(IPAddress.Parse("192.0.2.1"), 4420);

    /// <summary>Subsystem NQN to connect to (SPDK's default).</summary>
    public string SubNqn { get; init; } = "nqn.2016-06.io.spdk:cnode1";

    /// <summary>Host NQN sent in the Connect data.</summary>
    public string HostNqn { get; init; } = "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000001";

    /// <summary>Host identifier sent in the Connect data.</summary>
    public Guid HostId { get; init; } = new("00000000-0000-0000-0000-000000000001");

    /// <summary>I/O qpairs (qid 1..N).</summary>
    public int IoQpairs { get; init; } = 1;

    /// <summary>Commands in flight per I/O qpair.</summary>
    public int IoQueueDepth { get; init; } = 16;

    /// <summary>Commands in flight on the admin qpair.</summary>
    public int AdminQueueDepth { get; init; } = 32;

    /// <summary>RDMA READs the host lets the target have outstanding (initiator_depth / responder_resources).</summary>
    public byte ReadDepth { get; init; } = 16;

    /// <summary>rnr_retry the host sends in rdma_connect: the target's retries of a response SEND we had no receive for (7 = forever).</summary>
    public byte RnrRetryCount { get; init; } = VerbsLimits.RetryCountMax;

    /// <summary>retry_cnt of the host's QPs (transport retries after lost packets).</summary>
    public byte RetryCount { get; init; } = VerbsLimits.RetryCountMax;

    /// <summary>
    /// Delay between reaping a response and re-posting its receive (0 = at once). A host that re-posts receives late
    /// while reusing the command slot at once lets responses outrun receives: RNR.
    /// </summary>
    public long RecvRepostDelayNs { get; init; }

    /// <summary>What a timed-out I/O command leads to (bdev_nvme's <c>action_on_timeout</c>).</summary>
    public NvmeTimeoutAction TimeoutAction { get; init; } = NvmeTimeoutAction.Reset;

    /// <summary>Timeout of an I/O command (the transport's <see cref="HostOptions.IoTimeoutNs"/>).</summary>
    public long IoTimeoutNs { get; init; } = 5_000_000_000;

    /// <summary>SPDK <c>rdma_srq_size</c> of the host's poll groups (0: every qpair posts its own receives).</summary>
    public int RdmaSrqSize { get; init; }

    /// <summary>rdma_resolve_addr / rdma_resolve_route timeout.</summary>
    public int ResolveTimeoutMs { get; init; } = 2000;

    /// <summary>First reconnect delay after a failure; doubles with each consecutive failure.</summary>
    public long ReconnectDelayNs { get; init; } = 1_000_000;

    /// <summary>Largest reconnect delay.</summary>
    public long ReconnectDelayNsMax { get; init; } = 64_000_000;

    /// <summary>Consecutive failed connections of one qpair (or of the controller) before it gives up.</summary>
    public int ConsecutiveFailuresMax { get; init; } = 6;

    /// <summary>Reconnects of one qpair (or controller resets) in a run before it gives up.</summary>
    public int ReconnectsMax { get; init; } = 64;

    /// <summary>How long a qpair being torn down waits for an expected CM event (SPDK's <c>rdma_cm_event_timeout_ms</c>).</summary>
    public long CmEventTimeoutNs { get; init; } = 1_000_000_000;

    /// <summary>Longest a controller reset or deletion may take to tear its qpairs down (else: "NVMe path still exists after delete").</summary>
    public long TeardownTimeoutNs { get; init; } = 5_000_000_000;

    /// <summary>
    /// Admin-queue poll period once the controller is ready (bdev_nvme's <c>nvme_adminq_poll_period_us</c>, 10 ms by
    /// default): CM events nobody else reaps (a late TIMEWAIT_EXIT) wait this long on the shared channel.
    /// </summary>
    public long AdminPollPeriodNs { get; init; } = 10_000_000;

    /// <summary>Controller resets and deletions the application performs at given times (the fault profile's).</summary>
    public IReadOnlyList<ControllerAction> ControllerActions { get; init; } = [];

    /// <summary>Known defects the host runs with (only <see cref="KnownDefectNames.HostDefects"/> concern it).</summary>
    public KnownDefects Defects { get; init; }

    /// <summary>
    /// Asked at each preemption point of the host transport (<see cref="Harness.Transport.Host.HostInterleavingPoint"/>):
    /// true lets the admin thread run there, as it may on another core. A simulated run draws it from a seeded stream;
    /// null (hardware) adds nothing, the threads really run concurrently.
    /// </summary>
    public Func<bool>? PreemptAdmin { get; init; }

    /// <summary>Log sink for the host's SPDK-style lines (null: none).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Told of the host transport's qpair states, CM events and error completions (coverage; null: none).</summary>
    public IHostObserver? Observer { get; init; }

    /// <summary>Checks the values; null or what is wrong.</summary>
    public string? Validate()
    {
        if (IoQpairs < 1 || IoQueueDepth < 2 || IoQueueDepth > QueueDepthMax || AdminQueueDepth < 2 || AdminQueueDepth > QueueDepthMax)
        {
            return $"host driver: qpairs {IoQpairs} (≥ 1), queue depth {IoQueueDepth} and admin depth {AdminQueueDepth} (2..{QueueDepthMax})";
        }

        return ReadDepth < 1 ? $"host driver: read depth {ReadDepth}: must be at least 1"
            : RetryCount > VerbsLimits.RetryCountMax ? $"host driver: transport retry count (retry_cnt) {RetryCount}: must be 0..{VerbsLimits.RetryCountMax}"
            : RnrRetryCount > VerbsLimits.RetryCountMax ? $"host driver: RNR retry count (rnr_retry) {RnrRetryCount}: must be 0..{VerbsLimits.RetryCountMax}"
            : null;
    }
}
