using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native.Handles;

/// <summary>The device contexts librdmacm opened (<c>rdma_get_devices</c> / <c>rdma_free_devices</c>); CM ids use these contexts.</summary>
internal sealed unsafe class SafeRdmaDeviceListHandle : NativeHandle
{
    public SafeRdmaDeviceListHandle(nint pointer, bool owns = true)
        : base(pointer, owns)
    {
    }

    /// <inheritdoc/>
    protected override int ReleaseNative(nint pointer)
    {
        LibRdmacm.rdma_free_devices((IbvContext**)pointer);
        return 0;
    }
}
