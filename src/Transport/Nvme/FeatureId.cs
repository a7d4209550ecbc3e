namespace Harness.Transport.Nvme;

/// <summary>Feature identifiers (Set/Get Features CDW10 bits 7:0), the subset the transport uses (SPDK <c>enum spdk_nvme_feat</c>).</summary>
public enum FeatureId : byte
{
    /// <summary>Arbitration.</summary>
    Arbitration = 0x01,

    /// <summary>Power Management.</summary>
    PowerManagement = 0x02,

    /// <summary>Volatile Write Cache.</summary>
    VolatileWriteCache = 0x06,

    /// <summary>Number of Queues (CDW11 and completion DW0: <see cref="NumberOfQueues"/>).</summary>
    NumberOfQueues = 0x07,

    /// <summary>Interrupt Coalescing.</summary>
    InterruptCoalescing = 0x08,

    /// <summary>Asynchronous Event Configuration.</summary>
    AsyncEventConfiguration = 0x0B,

    /// <summary>Keep Alive Timer (CDW11: KATO in milliseconds).</summary>
    KeepAliveTimer = 0x0F,

    /// <summary>Host Identifier.</summary>
    HostIdentifier = 0x81,
}
