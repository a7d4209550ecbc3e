using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_cq</c>: a completion queue (allocated by the library; only the leading fields are mirrored).</summary>
[NativeStruct("struct ibv_cq", CheckSize = false)]
[StructLayout(LayoutKind.Explicit)]
internal unsafe struct IbvCq
{
    [FieldOffset(0)]
    [NativeField("context")]
    public IbvContext* Context;

    [FieldOffset(8)]
    [NativeField("channel")]
    public IbvCompChannel* Channel;

    [FieldOffset(16)]
    [NativeField("cq_context")]
    public nint CqContext;

    [FieldOffset(24)]
    [NativeField("handle")]
    public uint Handle;

    [FieldOffset(28)]
    [NativeField("cqe")]
    public int Cqe;
}
