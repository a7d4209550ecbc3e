using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native.Handles;

/// <summary>A protection domain, <c>ibv_dealloc_pd</c>.</summary>
internal sealed unsafe class SafeIbvPdHandle : NativeHandle
{
    public SafeIbvPdHandle(nint pointer, bool owns = true)
        : base(pointer, owns)
    {
    }

    /// <inheritdoc/>
    protected override int ReleaseNative(nint pointer)
    {
        return LibIbverbs.ibv_dealloc_pd((IbvPd*)pointer);
    }
}
