namespace Harness.Transport.Nvme;

/// <summary>Status Code Type (SCT) of an NVMe completion; the values of SPDK's <c>enum spdk_nvme_status_code_type</c>.</summary>
public enum NvmeStatusCodeType : byte
{
    /// <summary>Generic command status.</summary>
    Generic = 0x0,

    /// <summary>Command specific status (for opcode 0x7F: the Fabrics command status codes).</summary>
    CommandSpecific = 0x1,

    /// <summary>Media and data integrity errors.</summary>
    MediaError = 0x2,

    /// <summary>Path related status.</summary>
    Path = 0x3,

    /// <summary>Vendor specific.</summary>
    VendorSpecific = 0x7,
}
