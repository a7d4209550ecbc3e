using System.Runtime.InteropServices;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native.Handles;

/// <summary>
/// Base of the backend's handles on rdma-core objects. A handle keeps the objects it depends on alive
/// (<see cref="DependOn"/>: a QP its PD and CQs, an MR its PD and memory), so disposing in any order, or a finalizer
/// after an exception, never frees a parent before its children. <see cref="Destroy"/> is the explicit verb
/// (<c>ibv_destroy_qp</c> and friends): it returns the call's errno and, on failure, leaves the object alive, as in C.
/// A borrowed handle (<c>owns: false</c>) never frees the object: librdmacm's device contexts, and fakes in tests.
/// </summary>
internal abstract class NativeHandle : SafeHandle
{
    private const int ParentsMax = 4;
    private readonly SafeHandle?[] _parents = new SafeHandle?[ParentsMax];
    private int _parentCount;
    private int _releasedNatively;

    protected NativeHandle(nint pointer, bool owns)
        : base(0, ownsHandle: true)
    {
        SetHandle(pointer);
        Owns = owns;
    }

    /// <summary>False for a borrowed object, which someone else frees.</summary>
    public bool Owns { get; }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>The raw pointer (valid while the handle is open).</summary>
    public nint Pointer => handle;

    /// <summary>Keeps <paramref name="parent"/> alive until this handle is released.</summary>
    public void DependOn(SafeHandle parent)
    {
        if (_parentCount == ParentsMax)
        {
            throw new InvalidOperationException($"{GetType().Name}: at most {ParentsMax} parents");
        }

        var added = false;
        parent.DangerousAddRef(ref added);
        _parents[_parentCount++] = parent;
    }

    /// <summary>
    /// Frees the object now with its native destroy call: 0, or that call's errno (the object then stays alive and the
    /// handle open, so the caller can retry as in C). EINVAL when already destroyed.
    /// </summary>
    public int Destroy()
    {
        if (IsClosed || Volatile.Read(ref _releasedNatively) != 0)
        {
            return Errno.EINVAL;
        }

        var rc = Owns ? ReleaseNative(handle) : Errno.Ok;
        if (rc == Errno.Ok)
        {
            Volatile.Write(ref _releasedNatively, 1);
            Dispose();
        }

        return rc;
    }

    /// <summary>Adds a reference for the duration of a call; false when the handle is closed.</summary>
    public bool TryAddRef()
    {
        if (IsClosed)
        {
            return false;
        }

        try
        {
            var added = false;
            DangerousAddRef(ref added);
            return added;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>A reference for the duration of a call (see <see cref="HandleLease"/>).</summary>
    public HandleLease Lease() => new(this);

    /// <summary>The native destroy call: 0 or an errno.</summary>
    protected abstract int ReleaseNative(nint pointer);

    /// <inheritdoc/>
    protected sealed override bool ReleaseHandle()
    {
        var rc = Errno.Ok;
        if (Owns && Interlocked.Exchange(ref _releasedNatively, 1) == 0)
        {
            rc = ReleaseNative(handle);
        }

        for (var i = _parentCount - 1; i >= 0; i--)
        {
            _parents[i]!.DangerousRelease();
            _parents[i] = null;
        }

        _parentCount = 0;
        return rc == Errno.Ok;
    }
}
