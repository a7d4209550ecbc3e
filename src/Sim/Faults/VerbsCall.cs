namespace Harness.Sim.Faults;

/// <summary>
/// The verbs and CM calls a <see cref="CallErrorFault"/> selects: those the transport makes while it runs (per
/// connection), each failing as the provider or the kernel makes it fail. Names as rdma-core spells them are in
/// <see cref="VerbsCallNames"/>.
/// </summary>
public enum VerbsCall
{
    /// <summary><c>rdma_resolve_addr</c> (host, per connect).</summary>
    ResolveAddr = 0,

    /// <summary><c>rdma_resolve_route</c> (host, per connect).</summary>
    ResolveRoute,

    /// <summary><c>rdma_create_qp</c> (host per connect; target per CONNECT_REQUEST).</summary>
    CreateQp,

    /// <summary><c>rdma_connect</c> (host, per connect).</summary>
    Connect,

    /// <summary><c>rdma_accept</c> (target, per CONNECT_REQUEST): the kernel moves the QP to ERR and rejects the connection.</summary>
    Accept,

    /// <summary><c>ibv_create_cq</c> (host: an admin qpair's CQ per connect, a poll group's CQ on its first qpair).</summary>
    CreateCq,

    /// <summary><c>ibv_reg_mr</c> (host: a qpair's command/response buffer per connect, data buffers on first use; target: a qpair's resources).</summary>
    RegMr,
}
