namespace Harness.Transport.Nvme;

/// <summary>Dataset Management attributes (CDW11), SPDK <c>enum spdk_nvme_dsm_attribute</c>.</summary>
[Flags]
public enum DsmAttributes : byte
{
    /// <summary>No attribute.</summary>
    None = 0,

    /// <summary>Integral Dataset for Read (IDR).</summary>
    IntegralRead = 0x1,

    /// <summary>Integral Dataset for Write (IDW).</summary>
    IntegralWrite = 0x2,

    /// <summary>Deallocate (AD): the ranges may be unmapped.</summary>
    Deallocate = 0x4,
}
