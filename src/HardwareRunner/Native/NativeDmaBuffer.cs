using Harness.HardwareRunner.Native.Handles;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// Native memory the NIC reaches by DMA: page-aligned, never moved by the GC, pinned by the kernel when registered.
/// <see cref="DmaBuffer.Address"/> is the real virtual address, which is what goes into SGEs and keyed SGLs.
/// </summary>
public sealed unsafe class NativeDmaBuffer : DmaBuffer
{
    private int _registrations;

    internal NativeDmaBuffer(SafeNativeMemoryHandle handle, int length)
    {
        Handle = handle;
        Length = length;
    }

    /// <inheritdoc/>
    public override ulong Address => (ulong)Handle.Pointer;

    /// <inheritdoc/>
    public override int Length { get; }

    /// <inheritdoc/>
    public override Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
            return new Span<byte>((void*)Handle.Pointer, Length);
        }
    }

    /// <summary>True once freed.</summary>
    public bool Freed => Handle.IsClosed;

    /// <summary>Memory regions currently registered over this buffer.</summary>
    public int Registrations => Volatile.Read(ref _registrations);

    internal SafeNativeMemoryHandle Handle { get; }

    internal void Registered() => Interlocked.Increment(ref _registrations);

    internal void Deregistered() => Interlocked.Decrement(ref _registrations);

    /// <inheritdoc/>
    public override string ToString() => $"native buffer 0x{Address:x}+{Length}";
}
