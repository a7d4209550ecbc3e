using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_qp_init_attr</c>: QP creation attributes; <c>cap</c> is updated with the actual capacities.</summary>
[NativeStruct("struct ibv_qp_init_attr")]
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal unsafe struct IbvQpInitAttr
{
    [FieldOffset(0)]
    [NativeField("qp_context")]
    public nint QpContext;

    [FieldOffset(8)]
    [NativeField("send_cq")]
    public IbvCq* SendCq;

    [FieldOffset(16)]
    [NativeField("recv_cq")]
    public IbvCq* RecvCq;

    [FieldOffset(24)]
    [NativeField("srq")]
    public IbvSrq* Srq;

    [FieldOffset(32)]
    [NativeField("cap")]
    public IbvQpCap Cap;

    [FieldOffset(52)]
    [NativeField("qp_type")]
    public int QpType;

    [FieldOffset(56)]
    [NativeField("sq_sig_all")]
    public int SqSigAll;
}
