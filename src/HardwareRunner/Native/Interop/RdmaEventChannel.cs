using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct rdma_event_channel</c>: a CM event channel: a file descriptor.</summary>
[NativeStruct("struct rdma_event_channel")]
[StructLayout(LayoutKind.Explicit, Size = 4)]
internal struct RdmaEventChannel
{
    [FieldOffset(0)]
    [NativeField("fd")]
    public int Fd;
}
