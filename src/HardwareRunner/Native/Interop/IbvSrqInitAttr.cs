using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_srq_init_attr</c>: SRQ creation attributes; <c>attr</c> is updated with the actual capacities.</summary>
[NativeStruct("struct ibv_srq_init_attr")]
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct IbvSrqInitAttr
{
    [FieldOffset(0)]
    [NativeField("srq_context")]
    public nint SrqContext;

    [FieldOffset(8)]
    [NativeField("attr")]
    public IbvSrqAttr Attr;
}
