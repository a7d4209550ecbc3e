namespace Harness.HardwareRunner.Native;

/// <summary>One verbs device as <c>harness devices</c> shows it.</summary>
public sealed record DeviceInfo
{
    public string Name { get; init; } = string.Empty;

    /// <summary>Node GUID, host byte order.</summary>
    public ulong NodeGuid { get; init; }

    public string FirmwareVersion { get; init; } = string.Empty;

    public uint VendorId { get; init; }

    public uint VendorPartId { get; init; }

    public IReadOnlyList<PortInfo> Ports { get; init; } = Array.Empty<PortInfo>();

    /// <summary>Set when the device could not be opened or queried (the call and errno).</summary>
    public string? Error { get; init; }
}
