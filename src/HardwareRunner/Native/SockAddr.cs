using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native;

/// <summary><see cref="IPEndPoint"/> to and from <c>struct sockaddr_in</c>/<c>sockaddr_in6</c> in a <c>sockaddr_storage</c>.</summary>
internal static unsafe class SockAddr
{
    public static void Write(IPEndPoint endPoint, SockAddrStorage* storage)
    {
        *storage = default;
        if (endPoint.AddressFamily == AddressFamily.InterNetwork)
        {
            var sin = (SockAddrIn*)storage;
            sin->Family = NativeConstants.AfInet;
            sin->PortBe = BinaryPrimitives.ReverseEndianness((ushort)endPoint.Port);
            endPoint.Address.TryWriteBytes(new Span<byte>(&sin->Addr, 4), out _);
            return;
        }

        var sin6 = (SockAddrIn6*)storage;
        sin6->Family = NativeConstants.AfInet6;
        sin6->PortBe = BinaryPrimitives.ReverseEndianness((ushort)endPoint.Port);
        sin6->ScopeId = (uint)endPoint.Address.ScopeId;
        endPoint.Address.TryWriteBytes(new Span<byte>(sin6->Addr, 16), out _);
    }

    /// <summary>The address in <paramref name="storage"/>, or null when its family is neither IPv4 nor IPv6 (unset).</summary>
    public static IPEndPoint? Read(SockAddrStorage* storage)
    {
        switch (storage->Family)
        {
            case NativeConstants.AfInet:
                var sin = (SockAddrIn*)storage;
                return new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(&sin->Addr, 4)), BinaryPrimitives.ReverseEndianness(sin->PortBe));
            case NativeConstants.AfInet6:
                var sin6 = (SockAddrIn6*)storage;
                var address = new IPAddress(new ReadOnlySpan<byte>(sin6->Addr, 16), sin6->ScopeId);
                return new IPEndPoint(address, BinaryPrimitives.ReverseEndianness(sin6->PortBe));
            default:
                return null;
        }
    }
}
