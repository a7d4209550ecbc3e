namespace Harness.HardwareRunner.Native;

/// <summary>What <see cref="NativeRdmaStack.TryOpen(NativeStackOptions, out NativeRdmaStack?, out string)"/> opens.</summary>
public sealed record NativeStackOptions
{
    /// <summary>Host name for logs and traces (the DI key of the stack). Defaults to the machine name.</summary>
    public string HostName { get; init; } = Environment.MachineName;

    /// <summary>
    /// Only this device (e.g. <c>mlx5_0</c>) is listed by <see cref="Transport.Verbs.IVerbsProvider.GetDeviceList"/>;
    /// null lists every device. The CM still picks the device that owns the IP address it binds or resolves.
    /// </summary>
    public string? DeviceName { get; init; }
}
