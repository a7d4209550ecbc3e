using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native.Handles;

/// <summary>A shared receive queue, <c>ibv_destroy_srq</c>.</summary>
internal sealed unsafe class SafeIbvSrqHandle : NativeHandle
{
    public SafeIbvSrqHandle(nint pointer, bool owns = true)
        : base(pointer, owns)
    {
    }

    /// <inheritdoc/>
    protected override int ReleaseNative(nint pointer)
    {
        return LibIbverbs.ibv_destroy_srq((IbvSrq*)pointer);
    }
}
