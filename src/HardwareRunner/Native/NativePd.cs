using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>A protection domain (<c>struct ibv_pd</c>).</summary>
public sealed unsafe class NativePd : IProtectionDomain
{
    private int _users;

    internal NativePd(NativeContext context, SafeIbvPdHandle handle)
    {
        Context = context;
        Handle = handle;
    }

    /// <inheritdoc/>
    IVerbsContext IProtectionDomain.Context => Context;

    public NativeContext Context { get; }

    internal SafeIbvPdHandle Handle { get; }

    internal IbvPd* Native => (IbvPd*)Handle.Pointer;

    /// <summary>
    /// <c>ibv_reg_mr</c> (or <c>ibv_reg_mr_iova2</c> when an optional access bit such as relaxed ordering is set, as the
    /// header's macro does). The range must lie inside a live <see cref="NativeDmaBuffer"/> (EFAULT otherwise, as the
    /// simulator).
    /// </summary>
    public int RegMr(DmaBuffer buffer, ulong addr, ulong length, AccessFlags access, out IMemoryRegion? mr)
    {
        mr = null;
        using var lease = Handle.Lease();
        if (!lease.Held)
        {
            return Errno.ENODEV; // as the simulator's deallocated PD
        }

        if (buffer is not NativeDmaBuffer native || native.Freed || length == 0 ||
            addr < native.Address || addr - native.Address + length > (ulong)native.Length)
        {
            return Errno.EFAULT;
        }

        var p = ((int)access & NativeConstants.AccessOptionalRange) == 0
            ? LibIbverbs.ibv_reg_mr(Native, (void*)addr, (nuint)length, (int)access)
            : LibIbverbs.ibv_reg_mr_iova2(Native, (void*)addr, (nuint)length, addr, (uint)access);
        if (p == null)
        {
            return NativeErrno.Last();
        }

        var handle = Context.Resources.Add(new SafeIbvMrHandle((nint)p));
        handle.DependOn(Handle);
        handle.DependOn(native.Handle);
        native.Registered();
        Interlocked.Increment(ref _users);
        mr = new NativeMr(this, native, handle, access);
        return Errno.Ok;
    }

    /// <inheritdoc/>
    public int CreateSrq(uint maxWr, uint maxSge, object? srqContext, out ISharedReceiveQueue? srq)
    {
        srq = null;
        using var lease = Handle.Lease();
        if (!lease.Held)
        {
            return Errno.ENODEV;
        }

        var init = new IbvSrqInitAttr { Attr = new IbvSrqAttr { MaxWr = maxWr, MaxSge = maxSge } };
        var p = LibIbverbs.ibv_create_srq(Native, &init);
        if (p == null)
        {
            return NativeErrno.Last();
        }

        var handle = Context.Resources.Add(new SafeIbvSrqHandle((nint)p));
        handle.DependOn(Handle);
        Interlocked.Increment(ref _users);
        var created = new NativeSrq(this, handle, srqContext, init.Attr);
        Context.Register(created);
        srq = created;
        return Errno.Ok;
    }

    /// <inheritdoc/>
    public int CreateQp(in QpInitAttr initAttr, out IQueuePair? qp)
    {
        qp = null;
        var rc = NativeQp.ToNative(this, initAttr, out var init);
        using var lease = Handle.Lease();
        if (rc != Errno.Ok || !lease.Held)
        {
            return rc != Errno.Ok ? rc : Errno.ENODEV;
        }

        var p = LibIbverbs.ibv_create_qp(Native, &init);
        if (p == null)
        {
            return NativeErrno.Last();
        }

        qp = NativeQp.Wrap(this, new SafeIbvQpHandle((nint)p), initAttr, init.Cap);
        return Errno.Ok;
    }

    /// <inheritdoc/>
    public int Dealloc()
    {
        if (Volatile.Read(ref _users) > 0)
        {
            return Errno.EBUSY; // what ibv_dealloc_pd returns while MRs, QPs or SRQs use the PD
        }

        var rc = Handle.Destroy();
        if (rc == Errno.Ok)
        {
            Context.Resources.Remove(Handle);
            Context.ChildDestroyed();
        }

        return rc;
    }

    internal void AddUser() => Interlocked.Increment(ref _users);

    internal void RemoveUser() => Interlocked.Decrement(ref _users);

    /// <inheritdoc/>
    public override string ToString() => $"pd on {Context}";
}
