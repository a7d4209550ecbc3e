namespace Harness.Transport.Nvme;

/// <summary>
/// Controller property offsets for Property Get/Set (the NVMe register map). NVMe over Fabrics defines CAP, VS, CC,
/// CSTS and NSSR; AQA/ASQ/ACQ are PCIe admin-queue registers that SPDK's target also answers (for vfio-user);
/// CRTO is NVMe 2.0.
/// </summary>
public static class NvmeProperty
{
    /// <summary>Controller Capabilities, 8 bytes (<see cref="ControllerCapabilities"/>).</summary>
    public const uint Cap = 0x00;

    /// <summary>Version, 4 bytes (<see cref="NvmeVersion"/>).</summary>
    public const uint Vs = 0x08;

    /// <summary>Controller Configuration, 4 bytes (<see cref="ControllerConfiguration"/>).</summary>
    public const uint Cc = 0x14;

    /// <summary>Controller Status, 4 bytes (<see cref="ControllerStatus"/>).</summary>
    public const uint Csts = 0x1C;

    /// <summary>NVM Subsystem Reset, 4 bytes (write 0x4E564D65, "NVMe", to reset).</summary>
    public const uint Nssr = 0x20;

    /// <summary>Admin Queue Attributes, 4 bytes (PCIe; not an NVMe-oF property).</summary>
    public const uint Aqa = 0x24;

    /// <summary>Admin Submission Queue base address, 8 bytes (PCIe; not an NVMe-oF property).</summary>
    public const uint Asq = 0x28;

    /// <summary>Admin Completion Queue base address, 8 bytes (PCIe; not an NVMe-oF property).</summary>
    public const uint Acq = 0x30;

    /// <summary>Controller Ready Timeouts, 4 bytes (NVMe 2.0).</summary>
    public const uint Crto = 0x68;

    /// <summary>The NSSR value that requests an NVM subsystem reset ("NVMe").</summary>
    public const uint NssrResetValue = 0x4E564D65;

    /// <summary>Size in bytes of the property at <paramref name="offset"/>, or 0 for an offset that starts none.</summary>
    public static int SizeOf(uint offset) => offset switch
    {
        Cap or Asq or Acq => 8,
        Vs or Cc or Csts or Nssr or Aqa or Crto => 4,
        _ => 0,
    };
}
