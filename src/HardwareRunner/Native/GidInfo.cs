using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>A non-zero GID table entry, with its type and network device from sysfs when the kernel exposes them.</summary>
public sealed record GidInfo(int Index, Gid Gid, string? Type, string? NetDevice)
{
    /// <summary>The GID as an IPv6 address (RoCEv2 IPv4 GIDs read <c>::ffff:a.b.c.d</c>).</summary>
    public System.Net.IPAddress Address
    {
        get
        {
            Span<byte> bytes = stackalloc byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, Gid.SubnetPrefix);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], Gid.InterfaceId);
            return new System.Net.IPAddress(bytes);
        }
    }
}
