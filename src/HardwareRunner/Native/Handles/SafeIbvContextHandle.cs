using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native.Handles;

/// <summary>An open device, <c>ibv_close_device</c>; borrowed when librdmacm opened it (then <c>rdma_free_devices</c> releases it).</summary>
internal sealed unsafe class SafeIbvContextHandle : NativeHandle
{
    public SafeIbvContextHandle(nint pointer, bool owns = true)
        : base(pointer, owns)
    {
    }

    /// <inheritdoc/>
    protected override int ReleaseNative(nint pointer)
    {
        return LibIbverbs.ibv_close_device((IbvContext*)pointer);
    }
}
