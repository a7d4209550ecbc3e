using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native.Handles;

/// <summary>A CM event channel, <c>rdma_destroy_event_channel</c>.</summary>
internal sealed unsafe class SafeRdmaEventChannelHandle : NativeHandle
{
    public SafeRdmaEventChannelHandle(nint pointer, bool owns = true)
        : base(pointer, owns)
    {
    }

    /// <inheritdoc/>
    protected override int ReleaseNative(nint pointer)
    {
        LibRdmacm.rdma_destroy_event_channel((RdmaEventChannel*)pointer);
        return 0;
    }
}
