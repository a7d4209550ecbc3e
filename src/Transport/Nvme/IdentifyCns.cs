namespace Harness.Transport.Nvme;

/// <summary>Identify CNS values (CDW10 bits 7:0), the subset an NVMe-oF host uses (SPDK <c>enum spdk_nvme_identify_cns</c>).</summary>
public enum IdentifyCns : byte
{
    /// <summary>Identify Namespace data structure for NSID.</summary>
    Namespace = 0x00,

    /// <summary>Identify Controller data structure.</summary>
    Controller = 0x01,

    /// <summary>Active namespace ID list (NSIDs greater than NSID).</summary>
    ActiveNamespaceList = 0x02,

    /// <summary>Namespace Identification Descriptor list for NSID.</summary>
    NamespaceIdDescriptorList = 0x03,
}
