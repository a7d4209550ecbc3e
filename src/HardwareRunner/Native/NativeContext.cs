using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// An open device (<c>struct ibv_context</c>). Its async-event fd is made non-blocking when it is wrapped, as SPDK
/// does, so <see cref="GetAsyncEvent"/> never blocks.
/// </summary>
public sealed unsafe partial class NativeContext : IVerbsContext
{
    private int _children;

    internal NativeContext(NativeVerbs verbs, NativeDevice device, SafeIbvContextHandle handle, bool shared)
    {
        Verbs = verbs;
        Device = device;
        Handle = handle;
        Shared = shared;
        AsyncFdErrno = LibC.SetNonBlocking(Native->AsyncFd);
    }

    /// <inheritdoc/>
    IVerbsDevice IVerbsContext.Device => Device;

    public NativeDevice Device { get; }

    /// <summary>True for a context librdmacm opened (shared with CM ids; <see cref="Close"/> leaves it open).</summary>
    public bool Shared { get; }

    /// <summary>0, or the errno of making the async fd non-blocking (then <see cref="GetAsyncEvent"/> reports it).</summary>
    public int AsyncFdErrno { get; }

    internal NativeVerbs Verbs { get; }

    internal SafeIbvContextHandle Handle { get; }

    internal IbvContext* Native => (IbvContext*)Handle.Pointer;

    internal nint DevicePointer => Native->Device;

    internal NativeResourceTracker Resources => Verbs.Resources;

    /// <inheritdoc/>
    public int QueryDevice(out DeviceAttr attr)
    {
        using var lease = Handle.Lease();
        if (!lease.Held)
        {
            attr = default;
            return Errno.EINVAL;
        }

        IbvDeviceAttr native;
        var rc = LibIbverbs.ibv_query_device(Native, &native);
        attr = rc == 0 ? VerbsMarshal.FromNative(native) : default;
        return NativeErrno.Normalize(rc);
    }

    /// <inheritdoc/>
    public int QueryPort(byte portNum, out PortAttr attr)
    {
        var rc = QueryPortNative(portNum, out var native);
        attr = rc == 0 ? VerbsMarshal.FromNative(native) : default;
        return rc;
    }

    /// <inheritdoc/>
    public int QueryGid(byte portNum, int index, out Gid gid)
    {
        using var lease = Handle.Lease();
        IbvGid native;
        if (!lease.Held || LibIbverbs.ibv_query_gid(Native, portNum, index, &native) != 0)
        {
            gid = default;
            return lease.Held ? NativeErrno.Last() : Errno.EINVAL;
        }

        gid = VerbsMarshal.FromNative(native);
        return Errno.Ok;
    }

    /// <inheritdoc/>
    public int AllocPd(out IProtectionDomain? pd)
    {
        pd = null;
        using var lease = Handle.Lease();
        if (!lease.Held)
        {
            return Errno.EINVAL;
        }

        var p = LibIbverbs.ibv_alloc_pd(Native);
        if (p == null)
        {
            return NativeErrno.Last();
        }

        var handle = Resources.Add(new SafeIbvPdHandle((nint)p));
        handle.DependOn(Handle);
        Interlocked.Increment(ref _children);
        pd = new NativePd(this, handle);
        return Errno.Ok;
    }

    /// <inheritdoc/>
    public int CreateCq(int cqe, object? cqContext, out ICompletionQueue? cq)
    {
        var rc = CreateCq(cqe, cqContext, withCompletionChannel: false, out var native);
        cq = native;
        return rc;
    }

    /// <summary>
    /// <c>ibv_create_cq</c>, optionally with its own completion channel (non-blocking) for
    /// <see cref="NativeCq.RequestNotify"/> / <see cref="NativeCq.TryGetCompletionEvent"/>.
    /// </summary>
    public int CreateCq(int cqe, object? cqContext, bool withCompletionChannel, out NativeCq? cq)
    {
        cq = null;
        using var lease = Handle.Lease();
        if (!lease.Held)
        {
            return Errno.EINVAL;
        }

        SafeIbvCompChannelHandle? channel = null;
        if (withCompletionChannel)
        {
            var ch = LibIbverbs.ibv_create_comp_channel(Native);
            if (ch == null)
            {
                return NativeErrno.Last();
            }

            channel = Resources.Add(new SafeIbvCompChannelHandle((nint)ch));
            channel.DependOn(Handle);
            var nb = LibC.SetNonBlocking(ch->Fd);
            if (nb != Errno.Ok)
            {
                Release(channel);
                return nb;
            }
        }

        var p = LibIbverbs.ibv_create_cq(Native, cqe, 0, channel == null ? null : (IbvCompChannel*)channel.Pointer, 0);
        if (p == null)
        {
            var errno = NativeErrno.Last();
            Release(channel);
            return errno;
        }

        var handle = Resources.Add(new SafeIbvCqHandle((nint)p));
        handle.DependOn(Handle);
        if (channel != null)
        {
            handle.DependOn(channel);
        }

        Interlocked.Increment(ref _children);
        cq = new NativeCq(this, handle, channel, cqContext);
        Register(cq);
        return Errno.Ok;
    }

    /// <summary>
    /// <c>ibv_close_device</c>. A shared (librdmacm) context stays open: 0. EBUSY while PDs or CQs made from it are
    /// alive (the kernel would free them under their handles).
    /// </summary>
    public int Close()
    {
        if (Shared)
        {
            return Errno.Ok;
        }

        if (Volatile.Read(ref _children) > 0)
        {
            return Errno.EBUSY;
        }

        var rc = Handle.Destroy();
        if (rc == Errno.Ok)
        {
            Resources.Remove(Handle);
            Verbs.Forget(this);
        }

        return rc;
    }

    /// <summary><c>ibv_query_port</c> into the full native struct (also what <see cref="DeviceReport"/> reads).</summary>
    internal int QueryPortNative(byte portNum, out IbvPortAttr attr)
    {
        attr = default;
        using var lease = Handle.Lease();
        if (!lease.Held)
        {
            return Errno.EINVAL;
        }

        IbvPortAttr native = default;
        var rc = LibIbverbs.ibv_query_port(Native, portNum, &native);
        attr = native;
        return NativeErrno.Normalize(rc);
    }

    internal void ChildDestroyed() => Interlocked.Decrement(ref _children);

    internal void Release(NativeHandle? handle)
    {
        if (handle != null)
        {
            Resources.Remove(handle);
            handle.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Device.Name} context{(Shared ? " (librdmacm)" : string.Empty)}";
}
