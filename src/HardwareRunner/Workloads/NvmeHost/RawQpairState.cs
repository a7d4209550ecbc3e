namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>Where a <see cref="RawQpair"/> connection is (a subset of SPDK's host qpair states, with the CM steps spelled out).</summary>
internal enum RawQpairState
{
    /// <summary>No connection and no resources.</summary>
    Closed,

    /// <summary>rdma_resolve_addr called, waiting for ADDR_RESOLVED.</summary>
    ResolvingAddr,

    /// <summary>rdma_resolve_route called, waiting for ROUTE_RESOLVED.</summary>
    ResolvingRoute,

    /// <summary>rdma_connect called, waiting for ESTABLISHED.</summary>
    Connecting,

    /// <summary>RDMA connected; the Fabrics Connect was sent, waiting for its response.</summary>
    FabricConnecting,

    /// <summary>Connected: commands may be submitted.</summary>
    Running,

    /// <summary>Failed or asked to go: disconnecting, waiting for every WR and CM event to come back.</summary>
    TearingDown,
}
