namespace Harness.Transport.Nvme;

/// <summary>SGL descriptor type, the high nibble of descriptor byte 15 (SPDK <c>enum spdk_nvme_sgl_descriptor_type</c>).</summary>
public enum SglDescriptorType : byte
{
    /// <summary>SGL Data Block: address (or in-capsule offset) and a 4-byte length.</summary>
    DataBlock = 0x0,

    /// <summary>SGL Bit Bucket (not used by the RDMA transport).</summary>
    BitBucket = 0x1,

    /// <summary>SGL Segment: points to a further list of descriptors.</summary>
    Segment = 0x2,

    /// <summary>SGL Last Segment: points to the final list of descriptors.</summary>
    LastSegment = 0x3,

    /// <summary>Keyed SGL Data Block: address, 3-byte length, 4-byte key (the RDMA rkey).</summary>
    KeyedDataBlock = 0x4,

    /// <summary>Transport SGL Data Block (not used by the RDMA transport).</summary>
    TransportDataBlock = 0x5,

    /// <summary>Vendor specific.</summary>
    VendorSpecific = 0xF,
}
