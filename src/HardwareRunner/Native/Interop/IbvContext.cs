using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary>
/// <c>struct ibv_context</c> (allocated by the library): the device, the file descriptors, and the data-path entries of
/// the provider's ops table. <c>ibv_post_send</c>, <c>ibv_post_recv</c>, <c>ibv_poll_cq</c>, <c>ibv_req_notify_cq</c> and
/// <c>ibv_post_srq_recv</c> are <c>static inline</c> in verbs.h and call through these pointers; the backend does
/// exactly the same with C# function pointers.
/// </summary>
[NativeStruct("struct ibv_context", CheckSize = false)]
[StructLayout(LayoutKind.Explicit)]
internal unsafe struct IbvContext
{
    [FieldOffset(0)]
    [NativeField("device")]
    public nint Device;

    /// <summary><c>int (*poll_cq)(struct ibv_cq *, int num_entries, struct ibv_wc *)</c>.</summary>
    [FieldOffset(96)]
    [NativeField("ops.poll_cq")]
    public delegate* unmanaged<IbvCq*, int, IbvWc*, int> PollCq;

    /// <summary><c>int (*req_notify_cq)(struct ibv_cq *, int solicited_only)</c>.</summary>
    [FieldOffset(104)]
    [NativeField("ops.req_notify_cq")]
    public delegate* unmanaged<IbvCq*, int, int> ReqNotifyCq;

    /// <summary><c>int (*post_srq_recv)(struct ibv_srq *, struct ibv_recv_wr *, struct ibv_recv_wr **bad)</c>.</summary>
    [FieldOffset(168)]
    [NativeField("ops.post_srq_recv")]
    public delegate* unmanaged<IbvSrq*, IbvRecvWr*, IbvRecvWr**, int> PostSrqRecv;

    /// <summary><c>int (*post_send)(struct ibv_qp *, struct ibv_send_wr *, struct ibv_send_wr **bad)</c>.</summary>
    [FieldOffset(208)]
    [NativeField("ops.post_send")]
    public delegate* unmanaged<IbvQp*, IbvSendWr*, IbvSendWr**, int> PostSend;

    /// <summary><c>int (*post_recv)(struct ibv_qp *, struct ibv_recv_wr *, struct ibv_recv_wr **bad)</c>.</summary>
    [FieldOffset(216)]
    [NativeField("ops.post_recv")]
    public delegate* unmanaged<IbvQp*, IbvRecvWr*, IbvRecvWr**, int> PostRecv;

    [FieldOffset(264)]
    [NativeField("cmd_fd")]
    public int CmdFd;

    /// <summary>The fd <c>ibv_get_async_event</c> reads; the backend sets it O_NONBLOCK.</summary>
    [FieldOffset(268)]
    [NativeField("async_fd")]
    public int AsyncFd;

    [FieldOffset(272)]
    [NativeField("num_comp_vectors")]
    public int NumCompVectors;
}
