namespace Harness.Transport.Nvme;

/// <summary>Data direction of a command, the low two opcode bits (SPDK <c>enum spdk_nvme_data_transfer</c>).</summary>
public enum NvmeDataTransfer : byte
{
    /// <summary>No data.</summary>
    None = 0,

    /// <summary>Host to controller (e.g. Write): the RDMA target READs the host's buffer.</summary>
    HostToController = 1,

    /// <summary>Controller to host (e.g. Read): the RDMA target WRITEs the host's buffer.</summary>
    ControllerToHost = 2,

    /// <summary>Both directions (not supported by the RDMA transport).</summary>
    Bidirectional = 3,
}
