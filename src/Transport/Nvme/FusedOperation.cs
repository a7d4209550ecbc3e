namespace Harness.Transport.Nvme;

/// <summary>FUSE field of SQE byte 1 (bits 1:0), SPDK <c>enum spdk_nvme_cmd_fuse</c>.</summary>
public enum FusedOperation : byte
{
    /// <summary>Normal operation.</summary>
    None = 0x0,

    /// <summary>First command of a fused pair.</summary>
    First = 0x1,

    /// <summary>Second command of a fused pair.</summary>
    Second = 0x2,

    /// <summary>Reserved value.</summary>
    Reserved = 0x3,
}
