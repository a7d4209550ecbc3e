using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_comp_channel</c>: a completion event channel (allocated by the library).</summary>
[NativeStruct("struct ibv_comp_channel", CheckSize = false)]
[StructLayout(LayoutKind.Explicit)]
internal unsafe struct IbvCompChannel
{
    [FieldOffset(0)]
    [NativeField("context")]
    public IbvContext* Context;

    [FieldOffset(8)]
    [NativeField("fd")]
    public int Fd;

    [FieldOffset(12)]
    [NativeField("refcnt")]
    public int Refcnt;
}
