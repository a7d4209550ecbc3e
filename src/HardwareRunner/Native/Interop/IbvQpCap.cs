using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_qp_cap</c>: queue capacities.</summary>
[NativeStruct("struct ibv_qp_cap")]
[StructLayout(LayoutKind.Explicit, Size = 20)]
internal struct IbvQpCap
{
    [FieldOffset(0)]
    [NativeField("max_send_wr")]
    public uint MaxSendWr;

    [FieldOffset(4)]
    [NativeField("max_recv_wr")]
    public uint MaxRecvWr;

    [FieldOffset(8)]
    [NativeField("max_send_sge")]
    public uint MaxSendSge;

    [FieldOffset(12)]
    [NativeField("max_recv_sge")]
    public uint MaxRecvSge;

    [FieldOffset(16)]
    [NativeField("max_inline_data")]
    public uint MaxInlineData;
}
