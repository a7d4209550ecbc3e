using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct sockaddr_storage</c>: room for any socket address; the family says which.</summary>
[NativeStruct("struct sockaddr_storage")]
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal unsafe struct SockAddrStorage
{
    [FieldOffset(0)]
    [NativeField("ss_family")]
    public ushort Family;

    /// <summary>The raw bytes, family included (the struct's size is pinned, not this view).</summary>
    [FieldOffset(0)]
    public fixed byte Bytes[128];
}
