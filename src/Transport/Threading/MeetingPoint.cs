namespace Harness.Transport.Threading;

/// <summary>
/// The places where the transport's real threads meet: shared state that another SPDK thread (or the NIC) may change
/// between two of this thread's instructions. A systematic test (Coyote) puts a scheduling point at each and nowhere
/// else, so the orders it explores are orders of these meetings (issue 17: few, meaningful points). The code between
/// two meeting points touches only its own thread's state, or state behind the simulator's world lock, and runs as one
/// atomic step.
/// </summary>
public enum MeetingPoint
{
    /// <summary>Host: before taking the controller lock (<c>nvme_ctrlr_lock</c>), when not already its holder.</summary>
    ControllerLock,

    /// <summary>Host: before each <c>rdma_get_cm_event</c> on the controller's shared CM channel.</summary>
    HostCmGetEvent,

    /// <summary>Host: before each <c>rdma_ack_cm_event</c> (a destroy may be waiting for it on another thread).</summary>
    HostCmAckEvent,

    /// <summary>Host: before a poll group's <c>ibv_poll_cq</c> (the NIC writes the CQ concurrently).</summary>
    HostPollGroupCq,

    /// <summary>Target: before each <c>rdma_get_cm_event</c> of the acceptor.</summary>
    TargetCmGetEvent,

    /// <summary>Target: before each <c>ibv_get_async_event</c> of the acceptor (LAST_WQE_REACHED, QP_FATAL, device removal).</summary>
    TargetAsyncEvent,

    /// <summary>Target: before a poller's <c>ibv_poll_cq</c>.</summary>
    TargetPollerCq,

    /// <summary>Target: before <c>spdk_iobuf_get</c> (the pools are rings shared by every poll group).</summary>
    IobufGet,

    /// <summary>Target: before <c>spdk_iobuf_put</c>.</summary>
    IobufPut,

    /// <summary>Any thread: before <c>spdk_thread_send_msg</c> to another thread.</summary>
    ThreadMessageSend,

    /// <summary>Any thread: before taking a batch of waiting messages off its own ring.</summary>
    ThreadMessageBatch,
}
