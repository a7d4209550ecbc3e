using Harness.HardwareRunner.Native.Handles;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// DMA-able memory for the transport: <see cref="System.Runtime.InteropServices.NativeMemory.AlignedAlloc"/> of whole
/// pages, zeroed. Each buffer is a <see cref="SafeNativeMemoryHandle"/>, so an exception never leaks it, and an MR keeps
/// its buffer alive (a buffer freed under a live registration would be reused while the NIC can still write it).
/// </summary>
public sealed class NativeDmaMemory : IDmaMemory
{
    /// <summary>Largest single buffer (1 GiB, as the simulator).</summary>
    public const int BufferBytesMax = 1 << 30;

    private readonly NativeResourceTracker _resources;
    private long _allocatedBytes;
    private int _allocatedBuffers;

    internal NativeDmaMemory(NativeResourceTracker resources)
    {
        _resources = resources;
        PageBytes = Environment.SystemPageSize;
    }

    /// <summary>The alignment and allocation granule.</summary>
    public int PageBytes { get; }

    /// <summary>Bytes currently allocated (requested lengths).</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

    /// <summary>Buffers currently allocated.</summary>
    public int AllocatedBuffers => Volatile.Read(ref _allocatedBuffers);

    /// <inheritdoc/>
    public DmaBuffer Allocate(int length)
    {
        if (length <= 0 || length > BufferBytesMax)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"DMA buffer length must be 1..{BufferBytesMax}");
        }

        var pages = ((nuint)length + (nuint)PageBytes - 1) / (nuint)PageBytes;
        var handle = _resources.Add(SafeNativeMemoryHandle.Allocate(pages * (nuint)PageBytes, (nuint)PageBytes));
        Interlocked.Add(ref _allocatedBytes, length);
        Interlocked.Increment(ref _allocatedBuffers);
        return new NativeDmaBuffer(handle, length);
    }

    /// <inheritdoc/>
    public void Free(DmaBuffer buffer)
    {
        if (buffer is not NativeDmaBuffer native || native.Freed)
        {
            throw new InvalidOperationException($"{buffer} is not a live native buffer (double free, or from another backend?)");
        }

        if (native.Registrations > 0)
        {
            throw new InvalidOperationException($"{buffer} is freed while {native.Registrations} memory region(s) still cover it: deregister first");
        }

        _resources.Remove(native.Handle);
        native.Handle.Dispose();
        Interlocked.Add(ref _allocatedBytes, -native.Length);
        Interlocked.Decrement(ref _allocatedBuffers);
    }
}
