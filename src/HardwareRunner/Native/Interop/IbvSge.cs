using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_sge</c>: one scatter/gather element.</summary>
[NativeStruct("struct ibv_sge")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct IbvSge
{
    [FieldOffset(0)]
    [NativeField("addr")]
    public ulong Addr;

    [FieldOffset(8)]
    [NativeField("length")]
    public uint Length;

    [FieldOffset(12)]
    [NativeField("lkey")]
    public uint Lkey;
}
