using System.Runtime.InteropServices;
using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native.Handles;

/// <summary>
/// A CM id, <c>rdma_destroy_id</c>, which blocks until every event got for the id has been acked (librdmacm's rule;
/// the backend acks what it still holds before it disposes ids).
/// </summary>
internal sealed unsafe class SafeRdmaCmIdHandle : NativeHandle
{
    public SafeRdmaCmIdHandle(nint pointer, bool owns = true)
        : base(pointer, owns)
    {
    }

    /// <inheritdoc/>
    protected override int ReleaseNative(nint pointer) =>
        LibRdmacm.rdma_destroy_id((RdmaCmId*)pointer) == 0 ? 0 : Marshal.GetLastPInvokeError();
}
