namespace Harness.Transport.Nvme;

/// <summary>SGL descriptor subtype, the low nibble of descriptor byte 15.</summary>
public enum SglDescriptorSubtype : byte
{
    /// <summary>The address field is a memory address (for keyed descriptors: a remote address).</summary>
    Address = 0x0,

    /// <summary>The address field is an offset into the in-capsule data.</summary>
    Offset = 0x1,

    /// <summary>Transport specific.</summary>
    Transport = 0xA,

    /// <summary>Keyed data block only: the target should invalidate the key (SEND with invalidate).</summary>
    InvalidateKey = 0xF,
}
