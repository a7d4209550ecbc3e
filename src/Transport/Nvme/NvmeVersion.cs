namespace Harness.Transport.Nvme;

/// <summary>The VS register / Identify VER layout: major in bits 31:16, minor 15:8, tertiary 7:0.</summary>
public readonly record struct NvmeVersion(ushort Major, byte Minor, byte Tertiary)
{
    /// <summary>NVMe 1.3.0 (what SPDK's NVMe-oF target reported before it moved to 2.0).</summary>
    public static NvmeVersion V1_3 => new(1, 3, 0);

    /// <summary>NVMe 2.0.0, what current SPDK's NVMe-oF target reports in VS.</summary>
    public static NvmeVersion V2_0 => new(2, 0, 0);

    /// <summary>The register value.</summary>
    public uint ToRaw() => ((uint)Major << 16) | ((uint)Minor << 8) | Tertiary;

    /// <summary>Reads a register value.</summary>
    public static NvmeVersion FromRaw(uint raw) => new((ushort)(raw >> 16), (byte)(raw >> 8), (byte)raw);

    /// <summary>E.g. <c>1.3.0</c>.</summary>
    public override string ToString() => $"{Major}.{Minor}.{Tertiary}";
}
