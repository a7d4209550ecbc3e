namespace Harness.Transport.Nvme;

/// <summary>PSDT field of SQE byte 1 (bits 7:6), SPDK <c>enum spdk_nvme_psdt_value</c>.</summary>
public enum DataPointerType : byte
{
    /// <summary>PRPs (PCIe only; not valid on fabrics).</summary>
    Prp = 0x0,

    /// <summary>SGL for data, MPTR is a contiguous buffer: what SPDK's and Linux's RDMA hosts put in every capsule.</summary>
    SglMptrContiguous = 0x1,

    /// <summary>SGL for data, MPTR points to an SGL.</summary>
    SglMptrSgl = 0x2,

    /// <summary>Reserved value.</summary>
    Reserved = 0x3,
}
