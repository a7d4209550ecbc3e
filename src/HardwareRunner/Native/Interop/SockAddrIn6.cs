using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct sockaddr_in6</c>: an IPv6 socket address.</summary>
[NativeStruct("struct sockaddr_in6")]
[StructLayout(LayoutKind.Explicit, Size = 28)]
internal unsafe struct SockAddrIn6
{
    [FieldOffset(0)]
    [NativeField("sin6_family")]
    public ushort Family;

    /// <summary>Big-endian.</summary>
    [FieldOffset(2)]
    [NativeField("sin6_port")]
    public ushort PortBe;

    [FieldOffset(4)]
    [NativeField("sin6_flowinfo")]
    public uint FlowInfo;

    [FieldOffset(8)]
    [NativeField("sin6_addr")]
    public fixed byte Addr[16];

    [FieldOffset(24)]
    [NativeField("sin6_scope_id")]
    public uint ScopeId;
}
