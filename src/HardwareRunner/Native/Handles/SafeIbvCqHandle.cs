using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native.Handles;

/// <summary>A completion queue, <c>ibv_destroy_cq</c>.</summary>
internal sealed unsafe class SafeIbvCqHandle : NativeHandle
{
    public SafeIbvCqHandle(nint pointer, bool owns = true)
        : base(pointer, owns)
    {
    }

    /// <inheritdoc/>
    protected override int ReleaseNative(nint pointer)
    {
        return LibIbverbs.ibv_destroy_cq((IbvCq*)pointer);
    }
}
