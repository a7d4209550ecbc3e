using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// An RC queue pair (<c>struct ibv_qp</c>). Posting goes through the provider's ops table exactly as verbs.h's inline
/// <c>ibv_post_send</c>/<c>ibv_post_recv</c> do, from preallocated native WR arrays: no allocation, no native shim.
/// </summary>
public sealed unsafe partial class NativeQp : IQueuePair
{
    /// <summary>The attributes <c>Query</c> asks for (every field <see cref="QpAttr"/> has).</summary>
    internal const QpAttrMask QueryMask = QpAttrMask.State | QpAttrMask.CurState | QpAttrMask.EnSqdAsyncNotify | QpAttrMask.AccessFlags |
        QpAttrMask.PkeyIndex | QpAttrMask.Port | QpAttrMask.Av | QpAttrMask.PathMtu | QpAttrMask.Timeout | QpAttrMask.RetryCnt |
        QpAttrMask.RnrRetry | QpAttrMask.RqPsn | QpAttrMask.MaxQpRdAtomic | QpAttrMask.MinRnrTimer | QpAttrMask.SqPsn |
        QpAttrMask.MaxDestRdAtomic | QpAttrMask.Cap | QpAttrMask.DestQpn;

    private readonly NativePd _pd;
    private readonly NativeCq _sendCq;
    private readonly NativeCq _recvCq;
    private readonly NativeSrq? _srq;
    private readonly NativeSendChain _send;
    private readonly NativeRecvChain? _recv;
    private readonly object _sendGate = new();
    private readonly object _recvGate = new();
    private readonly bool _sqSigAll;
    private int _destroyed;

    private NativeQp(NativePd pd, SafeIbvQpHandle handle, in QpInitAttr init, QpCap cap)
    {
        _pd = pd;
        Handle = handle;
        _sendCq = (NativeCq)init.SendCq;
        _recvCq = (NativeCq)init.RecvCq;
        _srq = init.Srq as NativeSrq;
        _sqSigAll = init.SqSigAll;
        QpContext = init.QpContext;
        Cap = cap;
        QpNum = Native->QpNum;
        _send = new NativeSendChain(pd.Context.Resources, cap.MaxSendSge);
        _recv = _srq == null ? new NativeRecvChain(pd.Context.Resources, cap.MaxRecvSge) : null;
    }

    /// <inheritdoc/>
    public uint QpNum { get; }

    /// <inheritdoc/>
    public object? QpContext { get; }

    /// <summary>The capacities the provider granted (at least those asked for).</summary>
    public QpCap Cap { get; }

    /// <summary>The state <c>ibv_query_qp</c> reports (the hardware moves a QP to ERR on its own); UNKNOWN if that fails.</summary>
    public QpState State => Query(QpAttrMask.State, out var attr) == Errno.Ok ? attr.QpState : QpState.Unknown;

    /// <inheritdoc/>
    ISharedReceiveQueue? IQueuePair.Srq => _srq;

    /// <summary>True for a QP created on a CM id (<c>rdma_create_qp</c>); destroying it is <c>rdma_destroy_qp</c>.</summary>
    public bool OwnedByCmId => Handle.OwnedByCmId;

    internal SafeIbvQpHandle Handle { get; }

    internal IbvQp* Native => (IbvQp*)Handle.Pointer;

    /// <summary>Called once the QP is destroyed (the CM id forgets it).</summary>
    internal Action<NativeQp>? OnDestroyed { get; set; }

    /// <inheritdoc/>
    public int Modify(in QpAttr attr, QpAttrMask mask)
    {
        if (!Handle.TryAddRef())
        {
            return Errno.EINVAL;
        }

        try
        {
            var native = VerbsMarshal.ToNative(attr);
            return NativeErrno.Normalize(LibIbverbs.ibv_modify_qp(Native, &native, (int)mask));
        }
        finally
        {
            Handle.DangerousRelease();
        }
    }

    /// <inheritdoc/>
    public int Query(out QpAttr attr, out QpInitAttr initAttr)
    {
        initAttr = new QpInitAttr { QpContext = QpContext, SendCq = _sendCq, RecvCq = _recvCq, Srq = _srq, Cap = Cap, QpType = QpType.Rc, SqSigAll = _sqSigAll };
        return Query(QueryMask, out attr);
    }

    /// <inheritdoc/>
    public int Destroy()
    {
        if (Volatile.Read(ref _destroyed) != 0)
        {
            return Errno.EINVAL;
        }

        var rc = Handle.Destroy();
        if (rc == Errno.Ok)
        {
            Forget();
        }

        return rc;
    }

    /// <summary>Checks and converts creation attributes (EINVAL for CQs/SRQ of another backend).</summary>
    internal static int ToNative(NativePd pd, in QpInitAttr init, out IbvQpInitAttr native)
    {
        native = default;
        if (init.SendCq is not NativeCq send || init.RecvCq is not NativeCq recv || (init.Srq != null && init.Srq is not NativeSrq))
        {
            return Errno.EINVAL;
        }

        native.SendCq = send.Native;
        native.RecvCq = recv.Native;
        native.Srq = init.Srq is NativeSrq srq ? srq.Native : null;
        native.Cap = VerbsMarshal.ToNative(init.Cap);
        native.QpType = (int)init.QpType;
        native.SqSigAll = init.SqSigAll ? 1 : 0;
        return pd.Handle.IsClosed ? Errno.ENODEV : Errno.Ok; // the simulator's answer for a deallocated PD
    }

    /// <summary>Wraps a created QP: tracks its handle, keeps its PD, CQs and SRQ alive, registers it for async events.</summary>
    internal static NativeQp Wrap(NativePd pd, SafeIbvQpHandle handle, in QpInitAttr init, in IbvQpCap actualCap)
    {
        pd.Context.Resources.Add(handle);
        handle.DependOn(pd.Handle);
        var qp = new NativeQp(pd, handle, init, VerbsMarshal.FromNative(actualCap));
        handle.DependOn(qp._sendCq.Handle);
        handle.DependOn(qp._recvCq.Handle);
        if (qp._srq != null)
        {
            handle.DependOn(qp._srq.Handle);
            qp._srq.AddUser();
        }

        pd.AddUser();
        qp._sendCq.AddUser();
        qp._recvCq.AddUser();
        pd.Context.Register(qp);
        return qp;
    }

    /// <summary>Bookkeeping after the QP is gone (also when its CM id destroyed it).</summary>
    internal void Forget()
    {
        if (Interlocked.Exchange(ref _destroyed, 1) != 0)
        {
            return;
        }

        var resources = _pd.Context.Resources;
        _pd.Context.Unregister(this);
        resources.Remove(Handle);
        _pd.Context.Release(_send.Memory);
        _pd.Context.Release(_recv?.Memory);
        _pd.RemoveUser();
        _sendCq.RemoveUser();
        _recvCq.RemoveUser();
        _srq?.RemoveUser();
        OnDestroyed?.Invoke(this);
    }

    private int Query(QpAttrMask mask, out QpAttr attr)
    {
        attr = default;
        if (!Handle.TryAddRef())
        {
            return Errno.EINVAL;
        }

        try
        {
            IbvQpAttr native;
            IbvQpInitAttr init;
            var rc = NativeErrno.Normalize(LibIbverbs.ibv_query_qp(Native, &native, (int)mask, &init));
            if (rc == Errno.Ok)
            {
                attr = VerbsMarshal.FromNative(native);
            }

            return rc;
        }
        finally
        {
            Handle.DangerousRelease();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"qp 0x{QpNum:x} on {_pd.Context}";
}
