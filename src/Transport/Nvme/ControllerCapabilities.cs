namespace Harness.Transport.Nvme;

/// <summary>
/// The CAP property (offset 0x0, 8 bytes), as SPDK's <c>union spdk_nvme_cap_register</c>: MQES 15:0 (0's based),
/// CQR 16, AMS 18:17, TO 31:24 (500 ms units), DSTRD 35:32, NSSRS 36, CSS 44:37, BPS 45, MPSMIN 51:48, MPSMAX 55:52,
/// PMRS 56, CMBS 57.
/// </summary>
public readonly record struct ControllerCapabilities
{
    /// <summary>Maximum Queue Entries Supported, 0's based.</summary>
    public ushort Mqes { get; init; }

    /// <summary>Contiguous Queues Required.</summary>
    public bool Cqr { get; init; }

    /// <summary>Arbitration Mechanism Supported (2 bits).</summary>
    public byte Ams { get; init; }

    /// <summary>Timeout: worst-case time to CSTS.RDY change, in 500 ms units.</summary>
    public byte Timeout { get; init; }

    /// <summary>Doorbell Stride (4 bits).</summary>
    public byte Dstrd { get; init; }

    /// <summary>NVM Subsystem Reset Supported.</summary>
    public bool Nssrs { get; init; }

    /// <summary>Command Sets Supported (8 bits; bit 0 NVM command set).</summary>
    public byte Css { get; init; }

    /// <summary>Boot Partition Support.</summary>
    public bool Bps { get; init; }

    /// <summary>Memory Page Size Minimum: 2^(12 + MPSMIN) bytes (4 bits).</summary>
    public byte Mpsmin { get; init; }

    /// <summary>Memory Page Size Maximum: 2^(12 + MPSMAX) bytes (4 bits).</summary>
    public byte Mpsmax { get; init; }

    /// <summary>Persistent Memory Region Supported.</summary>
    public bool Pmrs { get; init; }

    /// <summary>Controller Memory Buffer Supported.</summary>
    public bool Cmbs { get; init; }

    /// <summary>Maximum queue entries (MQES + 1).</summary>
    public int MaxQueueEntries => Mqes + 1;

    /// <summary>The 8-byte property value.</summary>
    public ulong ToRaw() =>
        Mqes
        | (Cqr ? 1UL << 16 : 0)
        | ((ulong)(Ams & 0x3) << 17)
        | ((ulong)Timeout << 24)
        | ((ulong)(Dstrd & 0xF) << 32)
        | (Nssrs ? 1UL << 36 : 0)
        | ((ulong)Css << 37)
        | (Bps ? 1UL << 45 : 0)
        | ((ulong)(Mpsmin & 0xF) << 48)
        | ((ulong)(Mpsmax & 0xF) << 52)
        | (Pmrs ? 1UL << 56 : 0)
        | (Cmbs ? 1UL << 57 : 0);

    /// <summary>Reads the 8-byte property value (reserved bits ignored).</summary>
    public static ControllerCapabilities FromRaw(ulong raw) => new()
    {
        Mqes = (ushort)raw,
        Cqr = ((raw >> 16) & 1) != 0,
        Ams = (byte)((raw >> 17) & 0x3),
        Timeout = (byte)(raw >> 24),
        Dstrd = (byte)((raw >> 32) & 0xF),
        Nssrs = ((raw >> 36) & 1) != 0,
        Css = (byte)(raw >> 37),
        Bps = ((raw >> 45) & 1) != 0,
        Mpsmin = (byte)((raw >> 48) & 0xF),
        Mpsmax = (byte)((raw >> 52) & 0xF),
        Pmrs = ((raw >> 56) & 1) != 0,
        Cmbs = ((raw >> 57) & 1) != 0,
    };
}
