using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;

namespace Harness.Transport.Verbs;

/// <summary>
/// Everything RDMA one host offers the transport: libibverbs, librdmacm, DMA-able memory and a clock.
/// The transport resolves verbs only through this (backends register it with dependency injection).
/// </summary>
public interface IRdmaStack
{
    /// <summary>Host name, for logs and traces.</summary>
    string HostName { get; }

    IVerbsProvider Verbs { get; }

    IRdmaCm Cm { get; }

    IDmaMemory Memory { get; }

    IClock Clock { get; }
}
