namespace Harness.Transport.Host;

/// <summary>Points in the host where another thread may run (see <see cref="IHostInterleaving"/>).</summary>
public enum HostInterleavingPoint
{
    /// <summary>nvme_rdma_qpair_destroy, before the qpair's parked CM events are acked.</summary>
    QpairDestroyBeforeEventSweep,

    /// <summary>nvme_rdma_qpair_destroy, after the parked CM events were acked and before rdma_destroy_id.</summary>
    QpairDestroyAfterEventSweep,

    /// <summary>
    /// nvme_rdma_ctrlr_connect_qpair, after rdma_resolve_addr and before nvme_rdma_process_event_start: the new id's
    /// ADDR_RESOLVED may already be on the shared channel.
    /// </summary>
    ConnectAfterResolveAddr,

    /// <summary>
    /// _nvme_rdma_ctrlr_disconnect_qpair, after rdma_disconnect and before nvme_rdma_process_event_start: the
    /// DISCONNECTED it provokes may already be on the shared channel.
    /// </summary>
    DisconnectAfterRdmaDisconnect,
}
