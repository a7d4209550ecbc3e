namespace Harness.Transport.Verbs;

/// <summary>
/// libibverbs of one host: device enumeration. A backend (simulated NIC, native rdma-core) implements it.
/// </summary>
public interface IVerbsProvider
{
    /// <summary><c>ibv_get_device_list</c>: 0 and the devices, or an errno (ENOSYS when the kernel has no RDMA support).</summary>
    int GetDeviceList(out IReadOnlyList<IVerbsDevice> devices);
}

/// <summary>A verbs device (<c>struct ibv_device</c>).</summary>
public interface IVerbsDevice
{
    /// <summary>Kernel device name, e.g. <c>mlx5_0</c>.</summary>
    string Name { get; }

    ulong Guid { get; }

    /// <summary><c>ibv_open_device</c>.</summary>
    int Open(out IVerbsContext? context);
}

/// <summary>An open device (<c>struct ibv_context</c>).</summary>
public interface IVerbsContext
{
    IVerbsDevice Device { get; }

    int QueryDevice(out DeviceAttr attr);

    int QueryPort(byte portNum, out PortAttr attr);

    /// <summary>GID table entry (RoCEv2: the port's IP address as an IPv4-mapped GID).</summary>
    int QueryGid(byte portNum, int index, out Gid gid);

    /// <summary><c>ibv_alloc_pd</c>.</summary>
    int AllocPd(out IProtectionDomain? pd);

    /// <summary><c>ibv_create_cq</c> with <paramref name="cqe"/> entries (polling mode; no completion channel).</summary>
    int CreateCq(int cqe, object? cqContext, out ICompletionQueue? cq);

    /// <summary>Non-blocking <c>ibv_get_async_event</c>: 0 and an event, or EAGAIN when none is pending.</summary>
    int GetAsyncEvent(out AsyncEvent ev);

    /// <summary><c>ibv_ack_async_event</c>.</summary>
    void AckAsyncEvent(in AsyncEvent ev);

    /// <summary><c>ibv_close_device</c>.</summary>
    int Close();
}

/// <summary>A protection domain (<c>struct ibv_pd</c>).</summary>
public interface IProtectionDomain
{
    IVerbsContext Context { get; }

    /// <summary><c>ibv_reg_mr</c> over DMA-able memory from <see cref="IDmaMemory"/>.</summary>
    int RegMr(DmaBuffer buffer, ulong addr, ulong length, AccessFlags access, out IMemoryRegion? mr);

    /// <summary><c>ibv_create_srq</c>.</summary>
    int CreateSrq(uint maxWr, uint maxSge, object? srqContext, out ISharedReceiveQueue? srq);

    /// <summary><c>ibv_create_qp</c> (RC).</summary>
    int CreateQp(in QpInitAttr initAttr, out IQueuePair? qp);

    /// <summary><c>ibv_dealloc_pd</c>: EBUSY while MRs, QPs or SRQs still use it.</summary>
    int Dealloc();
}

/// <summary>A registered memory region (<c>struct ibv_mr</c>).</summary>
public interface IMemoryRegion
{
    ulong Addr { get; }

    ulong Length { get; }

    uint Lkey { get; }

    uint Rkey { get; }

    AccessFlags Access { get; }

    /// <summary><c>ibv_dereg_mr</c>.</summary>
    int Dereg();
}

/// <summary>A completion queue (<c>struct ibv_cq</c>).</summary>
public interface ICompletionQueue
{
    object? CqContext { get; }

    /// <summary>Capacity in entries.</summary>
    int Cqe { get; }

    /// <summary>
    /// <c>ibv_poll_cq</c>: fills <paramref name="wcs"/> with up to its length of completions and returns how many,
    /// or a negative errno. Never allocates, never blocks.
    /// </summary>
    int Poll(Span<WorkCompletion> wcs);

    /// <summary>
    /// <c>ibv_resize_cq</c>: 0, and <see cref="Cqe"/> is what the provider gave for <paramref name="cqe"/>; or an errno
    /// (EINVAL below the completions it holds or above the device's max_cqe) and the CQ is as it was.
    /// </summary>
    int Resize(int cqe);

    /// <summary><c>ibv_destroy_cq</c>: EBUSY while a QP still uses it.</summary>
    int Destroy();
}

/// <summary>A shared receive queue (<c>struct ibv_srq</c>).</summary>
public interface ISharedReceiveQueue
{
    object? SrqContext { get; }

    /// <summary><c>ibv_post_srq_recv</c>: 0, or an errno with the index of the first WR not posted.</summary>
    int PostRecv(ReadOnlySpan<RecvWorkRequest> wrs, out int badWrIndex);

    /// <summary><c>ibv_destroy_srq</c>.</summary>
    int Destroy();
}

/// <summary>An RC queue pair (<c>struct ibv_qp</c>).</summary>
public interface IQueuePair
{
    uint QpNum { get; }

    object? QpContext { get; }

    /// <summary>Current state (as <c>ibv_query_qp</c> with IBV_QP_STATE reports it).</summary>
    QpState State { get; }

    ISharedReceiveQueue? Srq { get; }

    /// <summary><c>ibv_modify_qp</c>: EINVAL for an illegal transition or a wrong attribute mask.</summary>
    int Modify(in QpAttr attr, QpAttrMask mask);

    /// <summary><c>ibv_query_qp</c>.</summary>
    int Query(out QpAttr attr, out QpInitAttr initAttr);

    /// <summary>
    /// <c>ibv_post_send</c> of a chain: 0, or an errno (ENOMEM when the send queue is full, EINVAL for a bad WR or
    /// state) with <paramref name="badWrIndex"/> naming the first WR not posted. Never allocates.
    /// </summary>
    int PostSend(ReadOnlySpan<SendWorkRequest> wrs, out int badWrIndex);

    /// <summary><c>ibv_post_recv</c> of a chain (EINVAL when the QP uses an SRQ).</summary>
    int PostRecv(ReadOnlySpan<RecvWorkRequest> wrs, out int badWrIndex);

    /// <summary><c>ibv_destroy_qp</c>.</summary>
    int Destroy();
}
