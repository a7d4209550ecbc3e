namespace Harness.Transport.Host;

/// <summary>
/// States of a host RDMA qpair, SPDK's <c>enum nvme_rdma_qpair_state</c> in SPDK HEAD's order (without SPDK's
/// AUTHENTICATING: this host does not do in-band authentication). Code compares states with
/// <c>&lt;</c>/<c>&gt;=</c>: "state &gt;= Exiting" means disconnecting, "state &lt; Running" not yet connected.
/// </summary>
public enum NvmeRdmaQpairState
{
    /// <summary>Allocated, never connected.</summary>
    Invalid = 0,

    /// <summary>The target rejected the connection as stale; resources are gone and a reconnect is scheduled.</summary>
    StaleConn,

    /// <summary>
    /// The target rejected the connection as stale and the old QP still had WRs on the shared CQ: their completions
    /// are awaited (bounded) before the resources are destroyed and STALE_CONN is entered (SPDK HEAD f364e3f872).
    /// </summary>
    StaleConnLingering,

    /// <summary>CM work in progress: address, route, connect, waiting for ESTABLISHED.</summary>
    Initializing,

    /// <summary>RDMA connected, receives posted; the Fabrics Connect command is to be sent.</summary>
    FabricConnectSend,

    /// <summary>Waiting for the Fabrics Connect response.</summary>
    FabricConnectPoll,

    /// <summary>Connected; commands may be submitted.</summary>
    Running,

    /// <summary>Disconnecting: rdma_disconnect called, waiting (bounded) for DISCONNECTED.</summary>
    Exiting,

    /// <summary>Disconnected, but sends or receives are still outstanding on the shared CQ: waiting (bounded) until quiet.</summary>
    Lingering,

    /// <summary>Disconnected, requests aborted, resources destroyed.</summary>
    Exited,
}
