using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_pd</c>: a protection domain (allocated by the library).</summary>
[NativeStruct("struct ibv_pd", CheckSize = false)]
[StructLayout(LayoutKind.Explicit)]
internal unsafe struct IbvPd
{
    [FieldOffset(0)]
    [NativeField("context")]
    public IbvContext* Context;

    [FieldOffset(8)]
    [NativeField("handle")]
    public uint Handle;
}
