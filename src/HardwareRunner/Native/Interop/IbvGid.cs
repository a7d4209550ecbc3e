using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>union ibv_gid</c>: a GID: 16 bytes in network byte order.</summary>
[NativeStruct("union ibv_gid")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal unsafe struct IbvGid
{
    [FieldOffset(0)]
    [NativeField("raw")]
    public fixed byte Raw[16];

    /// <summary>Big-endian.</summary>
    [FieldOffset(0)]
    [NativeField("global.subnet_prefix")]
    public ulong SubnetPrefixBe;

    /// <summary>Big-endian.</summary>
    [FieldOffset(8)]
    [NativeField("global.interface_id")]
    public ulong InterfaceIdBe;
}
