using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary>
/// The exported functions of librdmacm.so.1 the backend binds. They return 0 or -1 with errno (or NULL with errno);
/// <c>rdma_get_local_addr</c>/<c>rdma_get_peer_addr</c> are static inline and read <see cref="RdmaCmId"/> directly.
/// </summary>
internal static unsafe partial class LibRdmacm
{
    public const string Name = "librdmacm.so.1";

    /// <summary>Every symbol bound here: the library probe checks each exists before any call is made.</summary>
    public static readonly string[] Symbols =
    {
        "rdma_get_devices", "rdma_free_devices", "rdma_create_event_channel", "rdma_destroy_event_channel", "rdma_create_id",
        "rdma_destroy_id", "rdma_bind_addr", "rdma_listen", "rdma_resolve_addr", "rdma_resolve_route", "rdma_create_qp",
        "rdma_destroy_qp", "rdma_connect", "rdma_accept", "rdma_reject", "rdma_disconnect", "rdma_get_cm_event",
        "rdma_ack_cm_event", "rdma_event_str", "rdma_set_option",
    };

    [LibraryImport(Name, SetLastError = true)]
    public static partial IbvContext** rdma_get_devices(int* numDevices);

    [LibraryImport(Name)]
    public static partial void rdma_free_devices(IbvContext** list);

    [LibraryImport(Name, SetLastError = true)]
    public static partial RdmaEventChannel* rdma_create_event_channel();

    [LibraryImport(Name)]
    public static partial void rdma_destroy_event_channel(RdmaEventChannel* channel);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_create_id(RdmaEventChannel* channel, RdmaCmId** id, nint context, int portSpace);

    /// <summary>Blocks until every event got for the id has been acked (librdmacm waits on a condition variable).</summary>
    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_destroy_id(RdmaCmId* id);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_bind_addr(RdmaCmId* id, SockAddrStorage* addr);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_listen(RdmaCmId* id, int backlog);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_resolve_addr(RdmaCmId* id, SockAddrStorage* src, SockAddrStorage* dst, int timeoutMs);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_resolve_route(RdmaCmId* id, int timeoutMs);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_create_qp(RdmaCmId* id, IbvPd* pd, IbvQpInitAttr* initAttr);

    [LibraryImport(Name)]
    public static partial void rdma_destroy_qp(RdmaCmId* id);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_connect(RdmaCmId* id, RdmaConnParam* param);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_accept(RdmaCmId* id, RdmaConnParam* param);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_reject(RdmaCmId* id, byte* privateData, byte privateDataLen);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_disconnect(RdmaCmId* id);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_get_cm_event(RdmaEventChannel* channel, RdmaCmEvent** ev);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_ack_cm_event(RdmaCmEvent* ev);

    [LibraryImport(Name)]
    public static partial byte* rdma_event_str(int eventType);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int rdma_set_option(RdmaCmId* id, int level, int optName, void* optVal, nuint optLen);
}
