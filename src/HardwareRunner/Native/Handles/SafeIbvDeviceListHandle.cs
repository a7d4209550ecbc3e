using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native.Handles;

/// <summary>The array <c>ibv_get_device_list</c> returns (<c>ibv_free_device_list</c>); the devices stay valid while it is open.</summary>
internal sealed unsafe class SafeIbvDeviceListHandle : NativeHandle
{
    public SafeIbvDeviceListHandle(nint pointer, bool owns = true)
        : base(pointer, owns)
    {
    }

    /// <inheritdoc/>
    protected override int ReleaseNative(nint pointer)
    {
        LibIbverbs.ibv_free_device_list((nint*)pointer);
        return 0;
    }
}
