using System.Net;
using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>The librdmacm calls of an id: "-1 and errno" becomes the errno; EINVAL once the id is destroyed.</summary>
public sealed unsafe partial class NativeCmId
{
    /// <inheritdoc/>
    public int BindAddr(IPEndPoint address)
    {
        using var lease = Handle.Lease();
        SockAddrStorage addr;
        SockAddr.Write(address, &addr);
        return lease.Held ? NativeErrno.FromCm(LibRdmacm.rdma_bind_addr(Native, &addr)) : Errno.EINVAL;
    }

    /// <inheritdoc/>
    public int Listen(int backlog)
    {
        using var lease = Handle.Lease();
        return lease.Held ? NativeErrno.FromCm(LibRdmacm.rdma_listen(Native, backlog)) : Errno.EINVAL;
    }

    /// <inheritdoc/>
    public int ResolveAddr(IPEndPoint? source, IPEndPoint destination, int timeoutMs)
    {
        using var lease = Handle.Lease();
        SockAddrStorage src;
        SockAddrStorage dst;
        SockAddr.Write(destination, &dst);
        if (source != null)
        {
            SockAddr.Write(source, &src);
        }

        return lease.Held ? NativeErrno.FromCm(LibRdmacm.rdma_resolve_addr(Native, source != null ? &src : null, &dst, timeoutMs)) : Errno.EINVAL;
    }

    /// <inheritdoc/>
    public int ResolveRoute(int timeoutMs)
    {
        using var lease = Handle.Lease();
        return lease.Held ? NativeErrno.FromCm(LibRdmacm.rdma_resolve_route(Native, timeoutMs)) : Errno.EINVAL;
    }

    /// <summary>
    /// <c>rdma_create_qp</c>: an RC QP on the id's device (the PD must come from that device's context, which
    /// <see cref="NativeDevice.Open"/> guarantees), moved to INIT by librdmacm.
    /// </summary>
    public int CreateQp(IProtectionDomain pd, in QpInitAttr initAttr)
    {
        if (_qp != null || pd is not NativePd native)
        {
            return Errno.EINVAL;
        }

        var rc = NativeQp.ToNative(native, initAttr, out var init);
        using var lease = Handle.Lease();
        if (rc != Errno.Ok || !lease.Held)
        {
            return rc != Errno.Ok ? rc : Errno.EINVAL;
        }

        if (LibRdmacm.rdma_create_qp(Native, native.Native, &init) != 0)
        {
            return NativeErrno.Last();
        }

        var handle = new SafeIbvQpHandle((nint)Native->Qp, owns: true, cmId: Handle.Pointer);
        handle.DependOn(Handle);
        var qp = NativeQp.Wrap(native, handle, initAttr, init.Cap);
        qp.OnDestroyed = q => Interlocked.CompareExchange(ref _qp, null, q);
        _qp = qp;
        return Errno.Ok;
    }

    /// <inheritdoc/>
    public void DestroyQp() => _qp?.Destroy();

    /// <inheritdoc/>
    public int Connect(in ConnParam param)
    {
        using var lease = Handle.Lease();
        if (!lease.Held || param.PrivateData.Length > byte.MaxValue)
        {
            return Errno.EINVAL;
        }

        fixed (byte* data = param.PrivateData.Span)
        {
            var native = ToNative(param, data);
            return NativeErrno.FromCm(LibRdmacm.rdma_connect(Native, &native));
        }
    }

    /// <inheritdoc/>
    public int Accept(in ConnParam param)
    {
        using var lease = Handle.Lease();
        if (!lease.Held || param.PrivateData.Length > byte.MaxValue)
        {
            return Errno.EINVAL;
        }

        fixed (byte* data = param.PrivateData.Span)
        {
            var native = ToNative(param, data);
            return NativeErrno.FromCm(LibRdmacm.rdma_accept(Native, &native));
        }
    }

    /// <inheritdoc/>
    public int Reject(ReadOnlySpan<byte> privateData)
    {
        using var lease = Handle.Lease();
        if (!lease.Held || privateData.Length > byte.MaxValue)
        {
            return Errno.EINVAL;
        }

        fixed (byte* data = privateData)
        {
            return NativeErrno.FromCm(LibRdmacm.rdma_reject(Native, privateData.IsEmpty ? null : data, (byte)privateData.Length));
        }
    }

    /// <inheritdoc/>
    public int Disconnect()
    {
        using var lease = Handle.Lease();
        return lease.Held ? NativeErrno.FromCm(LibRdmacm.rdma_disconnect(Native)) : Errno.EINVAL;
    }

    /// <summary>
    /// <c>rdma_set_option(RDMA_OPTION_ID, RDMA_OPTION_ID_ACK_TIMEOUT)</c>: the local ACK timeout exponent librdmacm
    /// programs when it moves the QP to RTS (call before connect/accept). With a small <see cref="ConnParam.RetryCount"/>
    /// this is how a nightly run makes transport retries run out (RETRY_EXC_ERR) against an unplugged or slowed peer;
    /// the simulator takes the same exponent from its options. Hardware only (no simulator counterpart on the id).
    /// </summary>
    public int SetAckTimeout(byte exponent)
    {
        using var lease = Handle.Lease();
        return lease.Held
            ? NativeErrno.FromCm(LibRdmacm.rdma_set_option(Native, NativeConstants.RdmaOptionId, NativeConstants.RdmaOptionIdAckTimeout, &exponent, 1))
            : Errno.EINVAL;
    }

    /// <summary><c>struct rdma_conn_param</c> over pinned private data (librdmacm copies it during the call).</summary>
    internal static RdmaConnParam ToNative(in ConnParam param, byte* data) => new()
    {
        PrivateData = param.PrivateData.IsEmpty ? null : data,
        PrivateDataLen = (byte)param.PrivateData.Length,
        ResponderResources = param.ResponderResources,
        InitiatorDepth = param.InitiatorDepth,
        FlowControl = param.FlowControl,
        RetryCount = param.RetryCount,
        RnrRetryCount = param.RnrRetryCount,
        Srq = param.Srq ? (byte)1 : (byte)0,
        QpNum = param.QpNum,
    };
}
