namespace Harness.Transport.Nvme;

/// <summary>Property Get/Set ATTRIB.SIZE (bits 2:0 of byte 40): <c>SPDK_NVMF_PROP_SIZE_4</c> / <c>_8</c>.</summary>
public enum PropertySize : byte
{
    /// <summary>A 4-byte property.</summary>
    FourBytes = 0,

    /// <summary>An 8-byte property.</summary>
    EightBytes = 1,
}
