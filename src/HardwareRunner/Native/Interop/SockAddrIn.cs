using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct sockaddr_in</c>: an IPv4 socket address.</summary>
[NativeStruct("struct sockaddr_in")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct SockAddrIn
{
    [FieldOffset(0)]
    [NativeField("sin_family")]
    public ushort Family;

    /// <summary>Big-endian.</summary>
    [FieldOffset(2)]
    [NativeField("sin_port")]
    public ushort PortBe;

    /// <summary>Network byte order.</summary>
    [FieldOffset(4)]
    [NativeField("sin_addr")]
    public uint Addr;
}
