using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary>
/// The exported functions of libibverbs.so.1 the backend binds (source-generated P/Invoke). Functions documented to
/// "return -1 and set errno" or NULL are declared with <c>SetLastError</c>; the others return an errno themselves.
/// <c>ibv_reg_mr</c> and <c>ibv_query_port</c> are macros in verbs.h over these versioned exports
/// (<c>ibv_reg_mr@@IBVERBS_1.1</c>, <c>ibv_query_port@@IBVERBS_1.1</c>): the default version is what dlsym finds.
/// The data-path verbs are not here: they are static inline and go through <see cref="IbvContext"/>'s ops table.
/// </summary>
internal static unsafe partial class LibIbverbs
{
    public const string Name = "libibverbs.so.1";

    /// <summary>Every symbol bound here: the library probe checks each exists before any call is made.</summary>
    public static readonly string[] Symbols =
    {
        "ibv_get_device_list", "ibv_free_device_list", "ibv_get_device_name", "ibv_get_device_guid", "ibv_open_device",
        "ibv_close_device", "ibv_query_device", "ibv_query_port", "ibv_query_gid", "ibv_alloc_pd", "ibv_dealloc_pd",
        "ibv_reg_mr", "ibv_reg_mr_iova2", "ibv_dereg_mr", "ibv_create_comp_channel", "ibv_destroy_comp_channel",
        "ibv_create_cq", "ibv_resize_cq", "ibv_destroy_cq", "ibv_get_cq_event", "ibv_ack_cq_events", "ibv_create_qp", "ibv_modify_qp",
        "ibv_query_qp", "ibv_destroy_qp", "ibv_create_srq", "ibv_destroy_srq", "ibv_get_async_event", "ibv_ack_async_event",
        "ibv_wc_status_str", "ibv_event_type_str", "ibv_port_state_str",
    };

    [LibraryImport(Name, SetLastError = true)]
    public static partial nint* ibv_get_device_list(int* numDevices);

    [LibraryImport(Name)]
    public static partial void ibv_free_device_list(nint* list);

    [LibraryImport(Name)]
    public static partial byte* ibv_get_device_name(nint device);

    /// <summary>Node GUID in network byte order (<c>__be64</c>).</summary>
    [LibraryImport(Name)]
    public static partial ulong ibv_get_device_guid(nint device);

    [LibraryImport(Name, SetLastError = true)]
    public static partial IbvContext* ibv_open_device(nint device);

    [LibraryImport(Name)]
    public static partial int ibv_close_device(IbvContext* context);

    [LibraryImport(Name)]
    public static partial int ibv_query_device(IbvContext* context, IbvDeviceAttr* attr);

    /// <summary>The exported <c>ibv_query_port@@IBVERBS_1.1</c> (the header's macro falls back to it); fills the leading fields.</summary>
    [LibraryImport(Name)]
    public static partial int ibv_query_port(IbvContext* context, byte portNum, IbvPortAttr* attr);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int ibv_query_gid(IbvContext* context, byte portNum, int index, IbvGid* gid);

    [LibraryImport(Name, SetLastError = true)]
    public static partial IbvPd* ibv_alloc_pd(IbvContext* context);

    [LibraryImport(Name)]
    public static partial int ibv_dealloc_pd(IbvPd* pd);

    /// <summary>The exported <c>ibv_reg_mr@@IBVERBS_1.1</c>, which the header's macro calls when no optional access bit is set.</summary>
    [LibraryImport(Name, SetLastError = true)]
    public static partial IbvMr* ibv_reg_mr(IbvPd* pd, void* addr, nuint length, int access);

    /// <summary>What the header's macro calls when an optional access bit (relaxed ordering) is set.</summary>
    [LibraryImport(Name, SetLastError = true)]
    public static partial IbvMr* ibv_reg_mr_iova2(IbvPd* pd, void* addr, nuint length, ulong iova, uint access);

    [LibraryImport(Name)]
    public static partial int ibv_dereg_mr(IbvMr* mr);

    [LibraryImport(Name, SetLastError = true)]
    public static partial IbvCompChannel* ibv_create_comp_channel(IbvContext* context);

    [LibraryImport(Name)]
    public static partial int ibv_destroy_comp_channel(IbvCompChannel* channel);

    [LibraryImport(Name, SetLastError = true)]
    public static partial IbvCq* ibv_create_cq(IbvContext* context, int cqe, nint cqContext, IbvCompChannel* channel, int compVector);

    [LibraryImport(Name)]
    public static partial int ibv_destroy_cq(IbvCq* cq);

    /// <summary>Returns 0 or an errno (rdma-core returns the provider's errno, not -1).</summary>
    [LibraryImport(Name)]
    public static partial int ibv_resize_cq(IbvCq* cq, int cqe);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int ibv_get_cq_event(IbvCompChannel* channel, IbvCq** cq, nint* cqContext);

    [LibraryImport(Name)]
    public static partial void ibv_ack_cq_events(IbvCq* cq, uint nevents);

    [LibraryImport(Name, SetLastError = true)]
    public static partial IbvQp* ibv_create_qp(IbvPd* pd, IbvQpInitAttr* initAttr);

    [LibraryImport(Name)]
    public static partial int ibv_modify_qp(IbvQp* qp, IbvQpAttr* attr, int attrMask);

    [LibraryImport(Name)]
    public static partial int ibv_query_qp(IbvQp* qp, IbvQpAttr* attr, int attrMask, IbvQpInitAttr* initAttr);

    [LibraryImport(Name)]
    public static partial int ibv_destroy_qp(IbvQp* qp);

    [LibraryImport(Name, SetLastError = true)]
    public static partial IbvSrq* ibv_create_srq(IbvPd* pd, IbvSrqInitAttr* initAttr);

    [LibraryImport(Name)]
    public static partial int ibv_destroy_srq(IbvSrq* srq);

    [LibraryImport(Name, SetLastError = true)]
    public static partial int ibv_get_async_event(IbvContext* context, IbvAsyncEvent* ev);

    [LibraryImport(Name)]
    public static partial void ibv_ack_async_event(IbvAsyncEvent* ev);

    [LibraryImport(Name)]
    public static partial byte* ibv_wc_status_str(int status);

    [LibraryImport(Name)]
    public static partial byte* ibv_event_type_str(int eventType);

    [LibraryImport(Name)]
    public static partial byte* ibv_port_state_str(int portState);
}
