namespace Harness.HardwareRunner.Hardware;

/// <summary>Things the hardware runner does to real RDMA objects to cause a fault of the simulator's vocabulary.</summary>
public enum HardwareActionKind
{
    /// <summary><c>ibv_modify_qp(IBV_QPS_ERR)</c> on a live QP while I/O is in flight (<c>ForceQpErrorFault</c>).</summary>
    ForceQpError,

    /// <summary><c>rdma_disconnect</c> on the CM id of a live connection (<c>DisconnectFault</c>).</summary>
    Disconnect,

    /// <summary>
    /// Host: <c>ibv_dereg_mr</c> of the data MR of an I/O qpair right after it submitted the WRITE whose data the target's
    /// RDMA READ #N fetches, so the READ (outstanding or about to be) meets an invalid rkey: REM_ACCESS_ERR at the target
    /// (<c>WcErrorFault(target, RdmaRead, N, REM_ACCESS_ERR)</c>).
    /// </summary>
    DeregisterUnderRead,

    /// <summary>
    /// Host: <c>ibv_modify_qp(IBV_QPS_RESET)</c> of an I/O qpair's QP a few µs after the WRITE carrying READ #N was posted
    /// (<see cref="FaultActionExecutor.SilenceDelayNs"/>: its capsule has left, its READs are on their way). A QP in RESET
    /// discards what it holds without completions and drops every packet that arrives, so the target's READ gets no
    /// response at all — a pulled cable as the requester sees it — and, with the run's small retry count, completes
    /// RETRY_EXC_ERR (<c>WcErrorFault(target, RdmaRead, N, RETRY_EXC_ERR)</c>, or a <c>PacketDropFault</c> exhausting retries).
    /// </summary>
    SilenceUnderRead,

    /// <summary>Host: a controller reset (spdk_nvme_ctrlr_reset) at a point of the I/O (a profile's <c>ControllerAction</c>).</summary>
    ControllerReset,

    /// <summary>Host: delete the controller with its qpairs in whatever state, then attach again (a profile's <c>ControllerAction</c>).</summary>
    ControllerDeleteAndReattach,
}
