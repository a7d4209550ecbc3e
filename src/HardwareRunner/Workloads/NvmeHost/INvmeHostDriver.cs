using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>
/// The seam between the workload and an NVMe-oF/RDMA host: one controller (admin qpair plus
/// <see cref="IoQpairCount"/> I/O qpairs), polled from the application's reactors as SPDK's host is
/// (<c>spdk_nvme_ctrlr_process_admin_completions</c> on one thread, <c>spdk_nvme_qpair_process_completions</c> on
/// each qpair's thread). <see cref="NvmeRdmaHostDriver"/> implements it with the host transport of src/Transport/Host.
/// </summary>
/// <remarks>
/// Contract: every command accepted by <see cref="Submit"/> is reported exactly once to
/// <see cref="INvmeHostSink.OnIoCompleted"/>, with the target's completion or, when its qpair died first, with
/// ABORTED - SQ DELETION. A dead qpair is reconnected by the driver while the controller lives; one that cannot be
/// is reported as <see cref="NvmeQpairStatus.GaveUp"/>.
/// </remarks>
public interface INvmeHostDriver
{
    /// <summary>I/O qpairs of the controller (qid 1..count).</summary>
    int IoQpairCount { get; }

    /// <summary>Polls the admin queue, the CM event channel and the controller's timers (one reactor).</summary>
    IPoller AdminPoller { get; }

    /// <summary>Reconnects, disconnects and failures so far (for the summary).</summary>
    NvmeHostCounters Counters { get; }

    /// <summary>True once <see cref="Shutdown"/> finished: every qpair disconnected and every resource released.</summary>
    bool IsClosed { get; }

    /// <summary>Polls I/O qpair <paramref name="qpair"/> (0-based; qid = index + 1): its completions.</summary>
    IPoller GetQpairPoller(int qpair);

    /// <summary>Where I/O qpair <paramref name="qpair"/> is.</summary>
    NvmeQpairStatus GetQpairStatus(int qpair);

    /// <summary>Makes <paramref name="buffer"/> usable as command data (registers it for remote access). Returns an errno.</summary>
    int RegisterMemory(DmaBuffer buffer);

    /// <summary>Starts connecting the controller and its I/O qpairs (the pollers do the rest).</summary>
    void Start();

    /// <summary>
    /// Submits a Read or Write on I/O qpair <paramref name="qpair"/>. Returns 0, <c>EAGAIN</c> when the qpair's queue is
    /// full, <c>ENOTCONN</c> when the qpair is not <see cref="NvmeQpairStatus.Ready"/>, <c>EINVAL</c> for a request the
    /// driver cannot express. Never allocates.
    /// </summary>
    int Submit(int qpair, in NvmeIo io);

    /// <summary>Disconnects every qpair (I/O first, then shutdown notification and the admin qpair) and releases everything.</summary>
    void Shutdown();

    /// <summary>One line per qpair (for stall and failure reports).</summary>
    string Describe();
}
