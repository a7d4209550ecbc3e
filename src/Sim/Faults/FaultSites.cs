namespace Harness.Sim.Faults;

/// <summary>
/// The names of the fault sites, as fault records carry them in <c>op</c> (trace, render, coverage). Every site the
/// injector or the fabric can record is here, once: <see cref="All"/> is coverage's universe of fault sites.
/// </summary>
public static class FaultSites
{
    /// <summary>A WR completes with a scripted or swarm error status.</summary>
    public const string WcError = "wc_error";

    /// <summary>Transmissions of a WR are lost.</summary>
    public const string PacketDrop = "packet_drop";

    /// <summary>A CM event is dropped.</summary>
    public const string CmDrop = "cm_drop";

    /// <summary>A CM event is delayed.</summary>
    public const string CmDelay = "cm_delay";

    /// <summary>A QP is forced to ERR.</summary>
    public const string ForceQpError = "force_qp_error";

    /// <summary>rdma_disconnect by the CM id that owns a QP.</summary>
    public const string Disconnect = "disconnect";

    /// <summary>An async event is raised on a QP.</summary>
    public const string AsyncEvent = "async_event";

    /// <summary>The device of a host is removed.</summary>
    public const string DeviceRemoval = "device_removal";

    /// <summary>A host's address changes (ADDR_CHANGE on its ids).</summary>
    public const string AddrChange = "addr_change";

    /// <summary>A host's port goes down for a while.</summary>
    public const string PortDown = "port_down";

    /// <summary>The CM answers a connect with REJECTED, reason 10 (IB_CM_REJ_STALE_CONN).</summary>
    public const string StaleConn = "stale_conn";

    /// <summary>ibv_post_send / ibv_post_recv / ibv_post_srq_recv fail at one WR of a chain (bad_wr).</summary>
    public const string PostError = "post_error";

    /// <summary>The block device below the target's controller fails a Read or Write with an NVMe status.</summary>
    public const string ControllerError = "ctrlr_error";

    /// <summary>The block device below the target's controller completes a Read or Write late.</summary>
    public const string ControllerDelay = "ctrlr_delay";

    /// <summary>A verbs or CM call the transport makes per connection (rdma_accept, ibv_reg_mr, …) fails with an errno.</summary>
    public const string CallError = "call_error";

    /// <summary>Every site, in the order the coverage table lists them (the WR sites first, then CM, then timed ones).</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        WcError, PacketDrop, PostError, CmDrop, CmDelay, ForceQpError, Disconnect, AsyncEvent, DeviceRemoval, AddrChange, PortDown, StaleConn, CallError,
        ControllerError, ControllerDelay,
    ];
}
