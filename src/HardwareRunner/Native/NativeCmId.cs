using System.Net;
using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// A CM id (<c>struct rdma_cm_id</c>). Its native <c>context</c> holds the id's serial (readable in a core dump); the
/// consumer's object is <see cref="Context"/>. <see cref="Destroy"/> is <c>rdma_destroy_id</c>, which blocks until
/// every event got for the id has been acked.
/// </summary>
public sealed unsafe partial class NativeCmId : ICmId
{
    private readonly NativeCm _cm;
    private NativeQp? _qp;
    private int _destroyed;

    internal NativeCmId(NativeCm cm, NativeCmEventChannel channel, SafeRdmaCmIdHandle handle, long serial)
    {
        _cm = cm;
        ChannelImpl = channel;
        Handle = handle;
        Serial = serial;
    }

    /// <inheritdoc/>
    public object? Context { get; set; }

    /// <inheritdoc/>
    public ICmEventChannel Channel => ChannelImpl;

    /// <summary>The device context librdmacm bound the id to (<c>id-&gt;verbs</c>), as the same wrapper the verbs side uses.</summary>
    public IVerbsContext? Verbs => Handle.IsClosed ? null : _cm.Verbs.ContextFor(Native->Verbs);

    /// <inheritdoc/>
    public IQueuePair? Qp => _qp;

    /// <summary><c>rdma_get_local_addr</c> (inline in rdma_cma.h: <c>&amp;id-&gt;route.addr.src_addr</c>).</summary>
    public IPEndPoint? LocalAddress => Handle.IsClosed ? null : SockAddr.Read(&Native->SrcAddr);

    /// <summary><c>rdma_get_peer_addr</c> (inline: <c>&amp;id-&gt;route.addr.dst_addr</c>).</summary>
    public IPEndPoint? PeerAddress => Handle.IsClosed ? null : SockAddr.Read(&Native->DstAddr);

    /// <summary>Process-unique number, also stored in the native id's <c>context</c>.</summary>
    public long Serial { get; }

    internal NativeCmEventChannel ChannelImpl { get; }

    internal SafeRdmaCmIdHandle Handle { get; }

    internal RdmaCmId* Native => (RdmaCmId*)Handle.Pointer;

    /// <summary>
    /// <c>rdma_destroy_id</c>; blocks until every event got for this id has been acked, exactly as librdmacm does (an
    /// event reaped and never acked makes it wait forever: the <c>lingering-without-ctrlr-lock</c> defect on hardware).
    /// A QP still on the id is destroyed first (<c>rdma_destroy_qp</c>), as SPDK does, rather than leaked.
    /// </summary>
    public int Destroy()
    {
        if (Interlocked.Exchange(ref _destroyed, 1) != 0)
        {
            return Errno.EINVAL;
        }

        DestroyQp();
        var rc = Handle.Destroy();
        if (rc != Errno.Ok)
        {
            Volatile.Write(ref _destroyed, 0);
            return rc;
        }

        _cm.Resources.Remove(Handle);
        _cm.Forget(this);
        ChannelImpl.RemoveId();
        return Errno.Ok;
    }

    /// <inheritdoc/>
    public override string ToString() => $"cm_id#{Serial}";
}
