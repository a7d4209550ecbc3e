using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct ibv_mr</c>: a memory region (allocated by the library).</summary>
[NativeStruct("struct ibv_mr")]
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal unsafe struct IbvMr
{
    [FieldOffset(0)]
    [NativeField("context")]
    public IbvContext* Context;

    [FieldOffset(8)]
    [NativeField("pd")]
    public IbvPd* Pd;

    [FieldOffset(16)]
    [NativeField("addr")]
    public nint Addr;

    [FieldOffset(24)]
    [NativeField("length")]
    public nuint Length;

    [FieldOffset(32)]
    [NativeField("handle")]
    public uint Handle;

    [FieldOffset(36)]
    [NativeField("lkey")]
    public uint Lkey;

    [FieldOffset(40)]
    [NativeField("rkey")]
    public uint Rkey;
}
