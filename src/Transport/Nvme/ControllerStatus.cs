namespace Harness.Transport.Nvme;

/// <summary>
/// The CSTS property (offset 0x1C, 4 bytes), as SPDK's <c>union spdk_nvme_csts_register</c>: RDY 0, CFS 1,
/// SHST 3:2 (0 normal, 1 shutdown occurring, 2 shutdown complete), NSSRO 4, PP 5.
/// </summary>
public readonly record struct ControllerStatus
{
    /// <summary>Ready.</summary>
    public bool Ready { get; init; }

    /// <summary>Controller Fatal Status.</summary>
    public bool Cfs { get; init; }

    /// <summary>Shutdown Status (2 bits).</summary>
    public byte Shst { get; init; }

    /// <summary>NVM Subsystem Reset Occurred.</summary>
    public bool Nssro { get; init; }

    /// <summary>Processing Paused.</summary>
    public bool Pp { get; init; }

    /// <summary>The 4-byte property value.</summary>
    public uint ToRaw() =>
        (Ready ? 1u : 0)
        | (Cfs ? 1u << 1 : 0)
        | ((uint)(Shst & 0x3) << 2)
        | (Nssro ? 1u << 4 : 0)
        | (Pp ? 1u << 5 : 0);

    /// <summary>Reads the 4-byte property value (reserved bits ignored).</summary>
    public static ControllerStatus FromRaw(uint raw) => new()
    {
        Ready = (raw & 1) != 0,
        Cfs = ((raw >> 1) & 1) != 0,
        Shst = (byte)((raw >> 2) & 0x3),
        Nssro = ((raw >> 4) & 1) != 0,
        Pp = ((raw >> 5) & 1) != 0,
    };
}
