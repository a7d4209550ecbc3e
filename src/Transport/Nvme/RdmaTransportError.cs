namespace Harness.Transport.Nvme;

/// <summary>
/// NVMe-oF RDMA transport errors: the STS of the RDMA_CM_REJECT private data (SPDK
/// <c>enum spdk_nvmf_rdma_transport_error</c>). <see cref="None"/> (0) is what the private data decoders return on success.
/// </summary>
public enum RdmaTransportError : ushort
{
    /// <summary>No error (not a wire value).</summary>
    None = 0x0,

    /// <summary>Invalid private data length.</summary>
    InvalidPrivateDataLength = 0x1,

    /// <summary>Invalid RECFMT.</summary>
    InvalidRecfmt = 0x2,

    /// <summary>Invalid QID.</summary>
    InvalidQid = 0x3,

    /// <summary>Invalid HSQSIZE.</summary>
    InvalidHsqsize = 0x4,

    /// <summary>Invalid HRQSIZE.</summary>
    InvalidHrqsize = 0x5,

    /// <summary>No resources.</summary>
    NoResources = 0x6,

    /// <summary>Invalid IRD.</summary>
    InvalidIrd = 0x7,

    /// <summary>Invalid ORD.</summary>
    InvalidOrd = 0x8,
}
