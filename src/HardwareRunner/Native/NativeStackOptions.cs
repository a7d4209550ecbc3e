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

    /// <summary>
    /// When set, every CM id of the stack gets this local ACK timeout exponent (4.096 µs × 2^n, 0..31) through
    /// <c>rdma_set_option(RDMA_OPTION_ID_ACK_TIMEOUT)</c> before the consumer can connect or accept it: ids the consumer
    /// creates, and the ids of incoming connections as their CONNECT_REQUEST is got. The transports need no hook for it;
    /// the nightly faults that make a READ run out of retries use it. Null: the CM's own value (from the packet lifetime).
    /// </summary>
    public byte? AckTimeoutExponent { get; init; }

    /// <summary>Largest <see cref="AckTimeoutExponent"/> (a 5-bit field of the QP context).</summary>
    public const byte AckTimeoutExponentMax = 31;
}
