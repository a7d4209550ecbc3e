using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>A shared receive queue (<c>struct ibv_srq</c>); posting calls <c>ops.post_srq_recv</c> like the inline <c>ibv_post_srq_recv</c>.</summary>
public sealed unsafe class NativeSrq : ISharedReceiveQueue
{
    private readonly NativePd _pd;
    private readonly NativeRecvChain _recv;
    private readonly object _gate = new();
    private int _users;

    internal NativeSrq(NativePd pd, SafeIbvSrqHandle handle, object? srqContext, IbvSrqAttr actual)
    {
        _pd = pd;
        Handle = handle;
        SrqContext = srqContext;
        MaxWr = actual.MaxWr;
        MaxSge = actual.MaxSge;
        _recv = new NativeRecvChain(pd.Context.Resources, actual.MaxSge);
    }

    /// <inheritdoc/>
    public object? SrqContext { get; }

    /// <summary>Receives the SRQ holds (as granted by the provider).</summary>
    public uint MaxWr { get; }

    /// <summary>SGEs per receive (as granted).</summary>
    public uint MaxSge { get; }

    internal SafeIbvSrqHandle Handle { get; }

    internal IbvSrq* Native => (IbvSrq*)Handle.Pointer;

    /// <inheritdoc/>
    public int PostRecv(ReadOnlySpan<RecvWorkRequest> wrs, out int badWrIndex)
    {
        badWrIndex = -1;
        lock (_gate)
        {
            if (!Handle.TryAddRef())
            {
                badWrIndex = 0;
                return Errno.EINVAL;
            }

            try
            {
                return _recv.PostChunked(Native, (delegate* unmanaged<void*, IbvRecvWr*, IbvRecvWr**, int>)Native->Context->PostSrqRecv, wrs, out badWrIndex);
            }
            finally
            {
                Handle.DangerousRelease();
            }
        }
    }

    /// <inheritdoc/>
    public int Destroy()
    {
        if (Volatile.Read(ref _users) > 0)
        {
            return Errno.EBUSY; // as ibv_destroy_srq while a QP uses the SRQ
        }

        var rc = Handle.Destroy();
        if (rc == Errno.Ok)
        {
            _pd.Context.Unregister(this);
            _pd.Context.Resources.Remove(Handle);
            _pd.Context.Release(_recv.Memory);
            _pd.RemoveUser();
        }

        return rc;
    }

    internal void AddUser() => Interlocked.Increment(ref _users);

    internal void RemoveUser() => Interlocked.Decrement(ref _users);

    /// <inheritdoc/>
    public override string ToString() => $"srq ({MaxWr} x {MaxSge} SGE) on {_pd.Context}";
}
