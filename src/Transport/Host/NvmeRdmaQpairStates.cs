namespace Harness.Transport.Host;

/// <summary>The legal transitions of <see cref="NvmeRdmaQpairState"/> and the states' SPDK names.</summary>
public static class NvmeRdmaQpairStates
{
    /// <summary>
    /// True when <paramref name="from"/> → <paramref name="to"/> is a transition the host makes. Connecting goes
    /// INVALID/STALE_CONN/EXITED → INITIALIZING → FABRIC_CONNECT_SEND → FABRIC_CONNECT_POLL → RUNNING; any state
    /// before EXITING may start a disconnect; EXITING ends in LINGERING, EXITED, or (stale connection retry)
    /// STALE_CONN_LINGERING or STALE_CONN; LINGERING ends in EXITED, STALE_CONN_LINGERING in STALE_CONN. Nothing else,
    /// and no state to itself (SPDK HEAD nvme_rdma.c: nvme_rdma_stale_conn_disconnected, nvme_rdma_ctrlr_connect_qpair_poll).
    /// </summary>
    public static bool IsLegal(NvmeRdmaQpairState from, NvmeRdmaQpairState to) => to switch
    {
        NvmeRdmaQpairState.Initializing => from is NvmeRdmaQpairState.Invalid or NvmeRdmaQpairState.StaleConn or NvmeRdmaQpairState.Exited,
        NvmeRdmaQpairState.FabricConnectSend => from == NvmeRdmaQpairState.Initializing,
        NvmeRdmaQpairState.FabricConnectPoll => from == NvmeRdmaQpairState.FabricConnectSend,
        NvmeRdmaQpairState.Running => from == NvmeRdmaQpairState.FabricConnectPoll,
        NvmeRdmaQpairState.Exiting => from < NvmeRdmaQpairState.Exiting,
        NvmeRdmaQpairState.Lingering => from == NvmeRdmaQpairState.Exiting,
        NvmeRdmaQpairState.Exited => from is NvmeRdmaQpairState.Exiting or NvmeRdmaQpairState.Lingering,
        NvmeRdmaQpairState.StaleConnLingering => from == NvmeRdmaQpairState.Exiting,
        NvmeRdmaQpairState.StaleConn => from is NvmeRdmaQpairState.Exiting or NvmeRdmaQpairState.StaleConnLingering,
        _ => false,
    };

    /// <summary>SPDK's enumerator name, e.g. <c>NVME_RDMA_QPAIR_STATE_LINGERING</c>.</summary>
    public static string ToSpdkName(this NvmeRdmaQpairState state) => state switch
    {
        NvmeRdmaQpairState.Invalid => "NVME_RDMA_QPAIR_STATE_INVALID",
        NvmeRdmaQpairState.StaleConn => "NVME_RDMA_QPAIR_STATE_STALE_CONN",
        NvmeRdmaQpairState.StaleConnLingering => "NVME_RDMA_QPAIR_STATE_STALE_CONN_LINGERING",
        NvmeRdmaQpairState.Initializing => "NVME_RDMA_QPAIR_STATE_INITIALIZING",
        NvmeRdmaQpairState.FabricConnectSend => "NVME_RDMA_QPAIR_STATE_FABRIC_CONNECT_SEND",
        NvmeRdmaQpairState.FabricConnectPoll => "NVME_RDMA_QPAIR_STATE_FABRIC_CONNECT_POLL",
        NvmeRdmaQpairState.Running => "NVME_RDMA_QPAIR_STATE_RUNNING",
        NvmeRdmaQpairState.Exiting => "NVME_RDMA_QPAIR_STATE_EXITING",
        NvmeRdmaQpairState.Lingering => "NVME_RDMA_QPAIR_STATE_LINGERING",
        NvmeRdmaQpairState.Exited => "NVME_RDMA_QPAIR_STATE_EXITED",
        _ => "NVME_RDMA_QPAIR_STATE_UNKNOWN",
    };
}
