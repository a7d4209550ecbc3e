using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct rdma_cm_id</c>: a CM id (allocated by the library; the fields the backend reads).</summary>
[NativeStruct("struct rdma_cm_id", CheckSize = false)]
[StructLayout(LayoutKind.Explicit)]
internal unsafe struct RdmaCmId
{
    /// <summary>The device context, once bound or resolved (set by librdmacm).</summary>
    [FieldOffset(0)]
    [NativeField("verbs")]
    public IbvContext* Verbs;

    [FieldOffset(8)]
    [NativeField("channel")]
    public RdmaEventChannel* Channel;

    /// <summary>The consumer context pointer; the backend stores the id serial here, for core dumps.</summary>
    [FieldOffset(16)]
    [NativeField("context")]
    public nint Context;

    [FieldOffset(24)]
    [NativeField("qp")]
    public IbvQp* Qp;

    /// <summary>What <c>rdma_get_local_addr</c> (static inline) returns.</summary>
    [FieldOffset(32)]
    [NativeField("route.addr.src_storage")]
    public SockAddrStorage SrcAddr;

    /// <summary>What <c>rdma_get_peer_addr</c> (static inline) returns.</summary>
    [FieldOffset(160)]
    [NativeField("route.addr.dst_storage")]
    public SockAddrStorage DstAddr;

    [FieldOffset(344)]
    [NativeField("ps")]
    public int Ps;

    [FieldOffset(348)]
    [NativeField("port_num")]
    public byte PortNum;

    [FieldOffset(352)]
    [NativeField("event")]
    public RdmaCmEvent* Event;

    [FieldOffset(400)]
    [NativeField("pd")]
    public IbvPd* Pd;

    [FieldOffset(408)]
    [NativeField("qp_type")]
    public int QpType;
}
