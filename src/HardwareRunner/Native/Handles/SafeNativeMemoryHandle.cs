using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Handles;

/// <summary>Page-aligned native memory from <see cref="NativeMemory.AlignedAlloc"/>, freed with <see cref="NativeMemory.AlignedFree"/>.</summary>
internal sealed unsafe class SafeNativeMemoryHandle : NativeHandle
{
    public SafeNativeMemoryHandle(nint pointer, nuint byteCount)
        : base(pointer, owns: true) => ByteCount = byteCount;

    /// <summary>Bytes allocated (the requested length rounded up to whole pages).</summary>
    public nuint ByteCount { get; }

    /// <summary>Allocates <paramref name="byteCount"/> zeroed bytes aligned to <paramref name="alignment"/>.</summary>
    public static SafeNativeMemoryHandle Allocate(nuint byteCount, nuint alignment)
    {
        var p = NativeMemory.AlignedAlloc(byteCount, alignment);
        NativeMemory.Clear(p, byteCount);
        return new SafeNativeMemoryHandle((nint)p, byteCount);
    }

    /// <inheritdoc/>
    protected override int ReleaseNative(nint pointer)
    {
        NativeMemory.AlignedFree((void*)pointer);
        return 0;
    }
}
