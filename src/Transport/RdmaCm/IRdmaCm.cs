using System.Net;
using Harness.Transport.Verbs;

namespace Harness.Transport.RdmaCm;

/// <summary>RDMA CM port space (<c>enum rdma_port_space</c>); NVMe-oF uses TCP.</summary>
public enum PortSpace
{
    Ipoib = 0x0002,
    Tcp = 0x0106,
    Udp = 0x0111,
}

/// <summary>
/// Connection parameters, <c>struct rdma_conn_param</c>. Private data is copied by the CM when the call is made.
/// </summary>
public struct ConnParam
{
    public ReadOnlyMemory<byte> PrivateData;
    public byte ResponderResources;
    public byte InitiatorDepth;
    public byte FlowControl;
    public byte RetryCount;
    public byte RnrRetryCount;
    public bool Srq;
    public uint QpNum;
}

/// <summary>
/// librdmacm of one host. Calls return 0 or an errno (librdmacm returns -1 and sets errno; here the errno is returned).
/// </summary>
public interface IRdmaCm
{
    /// <summary><c>rdma_create_event_channel</c> (non-blocking, as SPDK sets it).</summary>
    int CreateEventChannel(out ICmEventChannel? channel);

    /// <summary><c>rdma_create_id</c>: events of the id are reported on <paramref name="channel"/>, which many ids may share.</summary>
    int CreateId(ICmEventChannel channel, object? context, PortSpace portSpace, out ICmId? id);

    /// <summary><c>rdma_ack_cm_event</c>. Every event got must be acked exactly once.</summary>
    int AckEvent(CmEvent ev);
}

/// <summary>An event channel (<c>struct rdma_event_channel</c>), shared by any number of CM ids.</summary>
public interface ICmEventChannel
{
    /// <summary>Non-blocking <c>rdma_get_cm_event</c>: 0 and the next event, or EAGAIN when none is ready.</summary>
    int GetEvent(out CmEvent? ev);

    /// <summary><c>rdma_destroy_event_channel</c>: EBUSY while ids still use it.</summary>
    int Destroy();
}

/// <summary>A CM id (<c>struct rdma_cm_id</c>).</summary>
public interface ICmId
{
    /// <summary>The consumer's context (<c>id-&gt;context</c>), which SPDK uses to find the qpair an event belongs to.</summary>
    object? Context { get; set; }

    ICmEventChannel Channel { get; }

    /// <summary>The device the id is bound to, once its address is resolved or a connect request arrived.</summary>
    IVerbsContext? Verbs { get; }

    /// <summary>The QP created with <see cref="CreateQp"/>.</summary>
    IQueuePair? Qp { get; }

    IPEndPoint? LocalAddress { get; }

    IPEndPoint? PeerAddress { get; }

    /// <summary><c>rdma_bind_addr</c>.</summary>
    int BindAddr(IPEndPoint address);

    /// <summary><c>rdma_listen</c>.</summary>
    int Listen(int backlog);

    /// <summary><c>rdma_resolve_addr</c>: ADDR_RESOLVED or ADDR_ERROR follows on the channel.</summary>
    int ResolveAddr(IPEndPoint? source, IPEndPoint destination, int timeoutMs);

    /// <summary><c>rdma_resolve_route</c>: ROUTE_RESOLVED or ROUTE_ERROR follows.</summary>
    int ResolveRoute(int timeoutMs);

    /// <summary><c>rdma_create_qp</c>: an RC QP on the id's device, moved to INIT, owned by the id.</summary>
    int CreateQp(IProtectionDomain pd, in QpInitAttr initAttr);

    /// <summary><c>rdma_destroy_qp</c>.</summary>
    void DestroyQp();

    /// <summary><c>rdma_connect</c>: ESTABLISHED, REJECTED, UNREACHABLE or CONNECT_ERROR follows.</summary>
    int Connect(in ConnParam param);

    /// <summary><c>rdma_accept</c> of a CONNECT_REQUEST: the QP moves to RTR/RTS; ESTABLISHED follows.</summary>
    int Accept(in ConnParam param);

    /// <summary><c>rdma_reject</c> with private data (the peer sees REJECTED, status 28 = consumer reject).</summary>
    int Reject(ReadOnlySpan<byte> privateData);

    /// <summary><c>rdma_disconnect</c>: the QP moves to ERR (flushing its WRs); both sides see DISCONNECTED, then TIMEWAIT_EXIT.</summary>
    int Disconnect();

    /// <summary>
    /// <c>rdma_destroy_id</c>. As in librdmacm, this blocks until every event delivered for the id has been acked:
    /// an event reaped and never acked makes it wait forever.
    /// </summary>
    int Destroy();
}

/// <summary>A CM event (<c>struct rdma_cm_event</c>). Owned by the CM until acked.</summary>
public sealed class CmEvent
{
    public CmEvent(ICmId id, ICmId? listenId, CmEventType eventType, int status, ConnParam param, long sequence)
    {
        Id = id;
        ListenId = listenId;
        EventType = eventType;
        Status = status;
        Param = param;
        Sequence = sequence;
    }

    /// <summary>The id the event is for (for CONNECT_REQUEST: the new id of the incoming connection).</summary>
    public ICmId Id { get; }

    /// <summary>For CONNECT_REQUEST: the listening id.</summary>
    public ICmId? ListenId { get; }

    public CmEventType EventType { get; }

    /// <summary>Event status: 0, a negative errno, or for REJECTED the IB CM reject reason (28 = consumer reject).</summary>
    public int Status { get; }

    /// <summary>Connection parameters and the peer's private data (CONNECT_REQUEST, ESTABLISHED, REJECTED).</summary>
    public ConnParam Param { get; }

    /// <summary>Order in which the CM generated the event (for traces and diagnostics).</summary>
    public long Sequence { get; }

    /// <summary>Set by the CM when the event is acked; acking twice is a consumer bug.</summary>
    public bool Acked { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => $"{EventType.ToVerbsString()} (status {Status}) #{Sequence}";
}

/// <summary>IB CM reject reasons that appear in REJECTED's status.</summary>
public static class CmRejectReason
{
    /// <summary>IB_CM_REJ_TIMEOUT (4 in IBA table 112 and the kernel's ib_cm.h): the active side gave up on the connection (destroyed its id before the REP came).</summary>
    public const int Timeout = 4;

    /// <summary>
    /// IB_CM_REJ_STALE_CONN: the passive side's CM still has a connection with the REQ's QPN (or one in timewait) and
    /// rejects the REQ itself, without telling its listener.
    /// </summary>
    public const int StaleConn = 10;

    /// <summary>No listener on that service id (port).</summary>
    public const int InvalidServiceId = 8;

    /// <summary>The remote consumer called rdma_reject.</summary>
    public const int ConsumerReject = 28;
}
