using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_qp</c>: a queue pair (allocated by the library; only the leading fields are mirrored).</summary>
[NativeStruct("struct ibv_qp", CheckSize = false)]
[StructLayout(LayoutKind.Explicit)]
internal unsafe struct IbvQp
{
    [FieldOffset(0)]
    [NativeField("context")]
    public IbvContext* Context;

    [FieldOffset(8)]
    [NativeField("qp_context")]
    public nint QpContext;

    [FieldOffset(16)]
    [NativeField("pd")]
    public IbvPd* Pd;

    [FieldOffset(24)]
    [NativeField("send_cq")]
    public IbvCq* SendCq;

    [FieldOffset(32)]
    [NativeField("recv_cq")]
    public IbvCq* RecvCq;

    [FieldOffset(40)]
    [NativeField("srq")]
    public IbvSrq* Srq;

    [FieldOffset(48)]
    [NativeField("handle")]
    public uint Handle;

    [FieldOffset(52)]
    [NativeField("qp_num")]
    public uint QpNum;

    /// <summary>Last state set through <c>ibv_modify_qp</c> (not the hardware state: use <c>ibv_query_qp</c>).</summary>
    [FieldOffset(56)]
    [NativeField("state")]
    public int State;

    [FieldOffset(60)]
    [NativeField("qp_type")]
    public int QpType;
}
