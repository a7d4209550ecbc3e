using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_recv_wr</c>: a receive work request; chains are linked through <see cref="Next"/>.</summary>
[NativeStruct("struct ibv_recv_wr")]
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal unsafe struct IbvRecvWr
{
    [FieldOffset(0)]
    [NativeField("wr_id")]
    public ulong WrId;

    [FieldOffset(8)]
    [NativeField("next")]
    public IbvRecvWr* Next;

    [FieldOffset(16)]
    [NativeField("sg_list")]
    public IbvSge* SgList;

    [FieldOffset(24)]
    [NativeField("num_sge")]
    public int NumSge;
}
