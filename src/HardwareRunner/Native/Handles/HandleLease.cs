namespace Harness.HardwareRunner.Native.Handles;

/// <summary>
/// A reference on a handle for the duration of one call (<c>using var lease = handle.Lease();</c>), so the object
/// cannot be freed under the call; <see cref="Held"/> is false when the handle was already closed.
/// </summary>
internal readonly ref struct HandleLease
{
    private readonly NativeHandle? _handle;

    public HandleLease(NativeHandle handle) => _handle = handle.TryAddRef() ? handle : null;

    /// <summary>True when the reference was taken (the handle is open).</summary>
    public bool Held => _handle != null;

    public void Dispose() => _handle?.DangerousRelease();
}
