using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native.Handles;

/// <summary>A memory region, <c>ibv_dereg_mr</c>; keeps its PD and its memory alive.</summary>
internal sealed unsafe class SafeIbvMrHandle : NativeHandle
{
    public SafeIbvMrHandle(nint pointer, bool owns = true)
        : base(pointer, owns)
    {
    }

    /// <inheritdoc/>
    protected override int ReleaseNative(nint pointer)
    {
        return LibIbverbs.ibv_dereg_mr((IbvMr*)pointer);
    }
}
