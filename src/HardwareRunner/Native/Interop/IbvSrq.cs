using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_srq</c>: a shared receive queue (allocated by the library; only the leading fields are mirrored).</summary>
[NativeStruct("struct ibv_srq", CheckSize = false)]
[StructLayout(LayoutKind.Explicit)]
internal unsafe struct IbvSrq
{
    [FieldOffset(0)]
    [NativeField("context")]
    public IbvContext* Context;

    [FieldOffset(8)]
    [NativeField("srq_context")]
    public nint SrqContext;

    [FieldOffset(16)]
    [NativeField("pd")]
    public IbvPd* Pd;

    [FieldOffset(24)]
    [NativeField("handle")]
    public uint Handle;
}
