using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native.Handles;

/// <summary>A completion channel, <c>ibv_destroy_comp_channel</c>.</summary>
internal sealed unsafe class SafeIbvCompChannelHandle : NativeHandle
{
    public SafeIbvCompChannelHandle(nint pointer, bool owns = true)
        : base(pointer, owns)
    {
    }

    /// <inheritdoc/>
    protected override int ReleaseNative(nint pointer)
    {
        return LibIbverbs.ibv_destroy_comp_channel((IbvCompChannel*)pointer);
    }
}
