namespace Harness.Sim.Nic;

/// <summary>
/// Which real provider the simulated NIC behaves as, where providers differ in ways a transport must handle.
/// </summary>
public enum SimProvider
{
    /// <summary>ConnectX (mlx5): vendor 0x02c9; an SRQ-attached QP in ERR raises IBV_EVENT_QP_LAST_WQE_REACHED.</summary>
    Mlx5,

    /// <summary>
    /// Soft-RoCE (rxe): vendor 0xFFFFFF (rdma-core's new rxe vendor id) and no LAST_WQE_REACHED event; a consumer that
    /// waits for it before destroying an SRQ-attached QP waits forever. SPDK checks the vendor id for exactly this.
    /// </summary>
    Rxe,
}
