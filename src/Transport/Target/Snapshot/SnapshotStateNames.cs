using Harness.Transport.Verbs;

namespace Harness.Transport.Target.Snapshot;

/// <summary>
/// The state names a snapshot may hold for a qpair (<c>enum spdk_nvmf_qpair_state</c>, current and pre-2023 SPDK) and
/// for its QP (<c>enum ibv_qp_state</c>), with what restoring makes of each: the reader refuses any other name, the
/// restorer maps these.
/// </summary>
public static class SnapshotStateNames
{
    /// <summary><c>qpair.state</c> names and the generic state they restore to.</summary>
    public static IReadOnlyDictionary<string, NvmfQpairState> QpairStates { get; } = new Dictionary<string, NvmfQpairState>(StringComparer.Ordinal)
    {
        ["SPDK_NVMF_QPAIR_UNINITIALIZED"] = NvmfQpairState.Uninitialized,
        ["SPDK_NVMF_QPAIR_CONNECTING"] = NvmfQpairState.Connecting,
        ["SPDK_NVMF_QPAIR_AUTHENTICATING"] = NvmfQpairState.Connecting,
        ["SPDK_NVMF_QPAIR_ACTIVATING"] = NvmfQpairState.Connecting,
        ["SPDK_NVMF_QPAIR_ENABLED"] = NvmfQpairState.Enabled,
        ["SPDK_NVMF_QPAIR_ACTIVE"] = NvmfQpairState.Enabled,
        ["SPDK_NVMF_QPAIR_DEACTIVATING"] = NvmfQpairState.Deactivating,
        ["SPDK_NVMF_QPAIR_ERROR"] = NvmfQpairState.Error,
    };

    /// <summary>
    /// <c>rdma_qp-&gt;qp-&gt;state</c> names and the state the restored QP is put in: not yet connected stays in INIT, an
    /// error state is ERR (its WRs flush at once), a connected one talks to a host that is gone.
    /// </summary>
    public static IReadOnlyDictionary<string, QpState> IbvStates { get; } = new Dictionary<string, QpState>(StringComparer.Ordinal)
    {
        ["IBV_QPS_RESET"] = QpState.Init,
        ["IBV_QPS_INIT"] = QpState.Init,
        ["IBV_QPS_RTR"] = QpState.Rts,
        ["IBV_QPS_RTS"] = QpState.Rts,
        ["IBV_QPS_SQD"] = QpState.Rts,
        ["IBV_QPS_UNKNOWN"] = QpState.Rts,
        ["IBV_QPS_SQE"] = QpState.Err,
        ["IBV_QPS_ERR"] = QpState.Err,
    };
}
