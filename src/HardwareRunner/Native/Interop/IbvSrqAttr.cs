using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_srq_attr</c>: SRQ capacities.</summary>
[NativeStruct("struct ibv_srq_attr")]
[StructLayout(LayoutKind.Explicit, Size = 12)]
internal struct IbvSrqAttr
{
    [FieldOffset(0)]
    [NativeField("max_wr")]
    public uint MaxWr;

    [FieldOffset(4)]
    [NativeField("max_sge")]
    public uint MaxSge;

    [FieldOffset(8)]
    [NativeField("srq_limit")]
    public uint SrqLimit;
}
