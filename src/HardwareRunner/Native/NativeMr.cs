using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>A registered memory region (<c>struct ibv_mr</c>).</summary>
public sealed unsafe class NativeMr : IMemoryRegion
{
    private readonly NativePd _pd;
    private readonly NativeDmaBuffer _buffer;

    internal NativeMr(NativePd pd, NativeDmaBuffer buffer, SafeIbvMrHandle handle, AccessFlags access)
    {
        _pd = pd;
        _buffer = buffer;
        Handle = handle;
        var mr = (IbvMr*)handle.Pointer;
        Addr = (ulong)mr->Addr;
        Length = mr->Length;
        Lkey = mr->Lkey;
        Rkey = mr->Rkey;
        Access = access;
    }

    /// <inheritdoc/>
    public ulong Addr { get; }

    /// <inheritdoc/>
    public ulong Length { get; }

    /// <inheritdoc/>
    public uint Lkey { get; }

    /// <inheritdoc/>
    public uint Rkey { get; }

    /// <inheritdoc/>
    public AccessFlags Access { get; }

    internal SafeIbvMrHandle Handle { get; }

    /// <summary>
    /// <c>ibv_dereg_mr</c>. Deregistering under an outstanding RDMA READ or WRITE from the peer is allowed (the NIC then
    /// answers the peer with a remote access error): the nightly fault "deregister under READ" relies on it.
    /// </summary>
    public int Dereg()
    {
        var rc = Handle.Destroy();
        if (rc == Errno.Ok)
        {
            _pd.Context.Resources.Remove(Handle);
            _pd.RemoveUser();
            _buffer.Deregistered();
        }

        return rc;
    }

    /// <inheritdoc/>
    public override string ToString() => $"mr 0x{Addr:x}+{Length} lkey 0x{Lkey:x} rkey 0x{Rkey:x}";
}
