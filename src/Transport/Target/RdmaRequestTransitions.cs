namespace Harness.Transport.Target;

/// <summary>
/// The transition table of <see cref="RdmaRequestState"/>: what <c>nvmf_rdma_request_process</c> may do to a request.
/// The transport asserts it on every state change; coverage (<c>harness sweep --coverage</c>) takes its universe from it.
/// </summary>
public static class RdmaRequestTransitions
{
    /// <summary>
    /// True when <paramref name="from"/> → <paramref name="to"/> is allowed. COMPLETED is reachable from every state but
    /// FREE because a qpair that dies (error completion, disconnect, destroy) completes its requests wherever they are.
    /// </summary>
    public static bool IsLegal(RdmaRequestState from, RdmaRequestState to) => to switch
    {
        RdmaRequestState.Completed => from != RdmaRequestState.Free,
        RdmaRequestState.Free => from == RdmaRequestState.Completed,
        RdmaRequestState.New => from == RdmaRequestState.Free,
        RdmaRequestState.NeedDataWr => from == RdmaRequestState.New,
        RdmaRequestState.NeedBuffer => from is RdmaRequestState.New or RdmaRequestState.NeedDataWr,
        RdmaRequestState.HaveBuffer => from == RdmaRequestState.NeedBuffer,
        RdmaRequestState.DataTransferToControllerPending => from is RdmaRequestState.HaveBuffer or RdmaRequestState.TransferringHostToController,
        RdmaRequestState.TransferringHostToController => from == RdmaRequestState.DataTransferToControllerPending,
        RdmaRequestState.ReadyToExecute => from is RdmaRequestState.New or RdmaRequestState.HaveBuffer or RdmaRequestState.TransferringHostToController,
        RdmaRequestState.Executing => from == RdmaRequestState.ReadyToExecute,
        RdmaRequestState.Executed => from == RdmaRequestState.Executing,
        RdmaRequestState.DataTransferToHostPending => from == RdmaRequestState.Executed,
        RdmaRequestState.ReadyToCompletePending => from is RdmaRequestState.Executed or RdmaRequestState.New or RdmaRequestState.NeedBuffer
            or RdmaRequestState.TransferringHostToController
            // An Abort takes a waiting request off its queue (rdma.c:_nvmf_rdma_qpair_abort_request:4973).
            or RdmaRequestState.NeedDataWr or RdmaRequestState.DataTransferToControllerPending or RdmaRequestState.DataTransferToHostPending
            or RdmaRequestState.ReadyToCompletePending
            or RdmaRequestState.ReadyToExecute, // a fused command that lost its pair
        RdmaRequestState.ReadyToComplete => from is RdmaRequestState.DataTransferToHostPending or RdmaRequestState.ReadyToCompletePending,
        RdmaRequestState.TransferringControllerToHost or RdmaRequestState.Completing => from == RdmaRequestState.ReadyToComplete,
        _ => false,
    };
}
