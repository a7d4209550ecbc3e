namespace Harness.Transport.Target;

/// <summary>
/// SPDK's <c>enum spdk_nvmf_rdma_request_state</c> (current names and order). Code keys on names, never numbers:
/// SPDK versions differ in which states exist.
/// </summary>
public enum RdmaRequestState
{
    /// <summary>On the free queue.</summary>
    Free,

    /// <summary>Just paired with a received capsule.</summary>
    New,

    /// <summary>Multi-descriptor request waiting for extra data WRs (group pending_buf_queue).</summary>
    NeedDataWr,

    /// <summary>Waiting for data buffers (qpair pending_iobuf_queue when the pool ran out).</summary>
    NeedBuffer,

    /// <summary>Buffers and SGEs filled.</summary>
    HaveBuffer,

    /// <summary>Host-to-controller data waiting for send-queue/read-depth room (pending_rdma_read_queue).</summary>
    DataTransferToControllerPending,

    /// <summary>RDMA READs posted; stays on the read queue while some are still unposted.</summary>
    TransferringHostToController,

    /// <summary>Data in target memory (or none needed).</summary>
    ReadyToExecute,

    /// <summary>Handed to the controller / block device.</summary>
    Executing,

    /// <summary>The controller completed it.</summary>
    Executed,

    /// <summary>Controller-to-host data waiting for send-queue room (pending_rdma_write_queue).</summary>
    DataTransferToHostPending,

    /// <summary>Response only, waiting for a send slot (pending_rdma_send_queue).</summary>
    ReadyToCompletePending,

    /// <summary>Transient: posting (WRITEs +) the response SEND.</summary>
    ReadyToComplete,

    /// <summary>WRITE chain + response SEND posted.</summary>
    TransferringControllerToHost,

    /// <summary>Response SEND (no data) posted.</summary>
    Completing,

    /// <summary>Done: release everything, back to free.</summary>
    Completed,
}

/// <summary>SPDK names of <see cref="RdmaRequestState"/>.</summary>
public static class RdmaRequestStateText
{
    /// <summary>The SPDK enumerator name without <c>RDMA_REQUEST_STATE_</c> (e.g. <c>TRANSFERRING_HOST_TO_CONTROLLER</c>).</summary>
    public static string ToName(this RdmaRequestState state) => state switch
    {
        RdmaRequestState.Free => "FREE",
        RdmaRequestState.New => "NEW",
        RdmaRequestState.NeedDataWr => "NEED_DATA_WR",
        RdmaRequestState.NeedBuffer => "NEED_BUFFER",
        RdmaRequestState.HaveBuffer => "HAVE_BUFFER",
        RdmaRequestState.DataTransferToControllerPending => "DATA_TRANSFER_TO_CONTROLLER_PENDING",
        RdmaRequestState.TransferringHostToController => "TRANSFERRING_HOST_TO_CONTROLLER",
        RdmaRequestState.ReadyToExecute => "READY_TO_EXECUTE",
        RdmaRequestState.Executing => "EXECUTING",
        RdmaRequestState.Executed => "EXECUTED",
        RdmaRequestState.DataTransferToHostPending => "DATA_TRANSFER_TO_HOST_PENDING",
        RdmaRequestState.ReadyToCompletePending => "READY_TO_COMPLETE_PENDING",
        RdmaRequestState.ReadyToComplete => "READY_TO_COMPLETE",
        RdmaRequestState.TransferringControllerToHost => "TRANSFERRING_CONTROLLER_TO_HOST",
        RdmaRequestState.Completing => "COMPLETING",
        RdmaRequestState.Completed => "COMPLETED",
        _ => "UNKNOWN",
    };
}
