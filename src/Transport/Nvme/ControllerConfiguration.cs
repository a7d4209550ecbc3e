namespace Harness.Transport.Nvme;

/// <summary>
/// The CC property (offset 0x14, 4 bytes), as SPDK's <c>union spdk_nvme_cc_register</c>: EN 0, CSS 6:4, MPS 10:7,
/// AMS 13:11, SHN 15:14, IOSQES 19:16, IOCQES 23:20, CRIME 24.
/// </summary>
public readonly record struct ControllerConfiguration
{
    /// <summary>Enable.</summary>
    public bool Enable { get; init; }

    /// <summary>I/O Command Set Selected (3 bits; 0 NVM, 6 all supported I/O command sets, 7 admin only).</summary>
    public byte Css { get; init; }

    /// <summary>Memory Page Size: 2^(12 + MPS) bytes (4 bits).</summary>
    public byte Mps { get; init; }

    /// <summary>Arbitration Mechanism Selected (3 bits).</summary>
    public byte Ams { get; init; }

    /// <summary>Shutdown Notification (2 bits): 0 none, 1 normal, 2 abrupt.</summary>
    public byte Shn { get; init; }

    /// <summary>I/O Submission Queue Entry Size as a power of two (4 bits; 6 = 64 bytes).</summary>
    public byte Iosqes { get; init; }

    /// <summary>I/O Completion Queue Entry Size as a power of two (4 bits; 4 = 16 bytes).</summary>
    public byte Iocqes { get; init; }

    /// <summary>Controller Ready Independent of Media Enable.</summary>
    public bool Crime { get; init; }

    /// <summary>The 4-byte property value.</summary>
    public uint ToRaw() =>
        (Enable ? 1u : 0)
        | ((uint)(Css & 0x7) << 4)
        | ((uint)(Mps & 0xF) << 7)
        | ((uint)(Ams & 0x7) << 11)
        | ((uint)(Shn & 0x3) << 14)
        | ((uint)(Iosqes & 0xF) << 16)
        | ((uint)(Iocqes & 0xF) << 20)
        | (Crime ? 1u << 24 : 0);

    /// <summary>Reads the 4-byte property value (reserved bits ignored).</summary>
    public static ControllerConfiguration FromRaw(uint raw) => new()
    {
        Enable = (raw & 1) != 0,
        Css = (byte)((raw >> 4) & 0x7),
        Mps = (byte)((raw >> 7) & 0xF),
        Ams = (byte)((raw >> 11) & 0x7),
        Shn = (byte)((raw >> 14) & 0x3),
        Iosqes = (byte)((raw >> 16) & 0xF),
        Iocqes = (byte)((raw >> 20) & 0xF),
        Crime = ((raw >> 24) & 1) != 0,
    };
}
