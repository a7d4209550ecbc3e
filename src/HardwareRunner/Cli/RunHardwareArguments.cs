using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Harness.HardwareRunner.Hardware;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// Checks of the options only a hardware run takes (<c>--device</c>, <c>--role</c>, <c>--addr</c>, <c>--sessions</c>,
/// <c>--duration</c>, <c>--watchdog</c>): each returns null or the usage error, naming the option and the value.
/// </summary>
internal static partial class RunHardwareArguments
{
    /// <summary>Longest device name (rdma-core's IBV_SYSFS_NAME_MAX is 64 with the NUL).</summary>
    public const int DeviceNameLengthMax = 63;

    /// <summary>What is wrong with <c>--addr</c>, or null; the endpoint when it is right.</summary>
    public static string? ParseAddress(string text, out IPEndPoint? endpoint)
    {
        endpoint = null;
        var usage = $"--addr {text}: ";
        if (!IPEndPoint.TryParse(text, out var ep) || (ep.AddressFamily == AddressFamily.InterNetwork && !DottedQuadWithPort().IsMatch(text)))
        {
            return usage + "not IP:PORT (e.g. 192.0.2.1:4420, or [fd00::1]:4420 for IPv6)";
        }

        if (ep.Port == 0)
        {
            return usage + "the port is missing or 0 (NVMe-oF/RDMA listens on 4420)";
        }

        if (ep.Address.Equals(IPAddress.Any) || ep.Address.Equals(IPAddress.IPv6Any) || ep.Address.Equals(IPAddress.Broadcast) || IsMulticast(ep.Address))
        {
            return usage + "give the address of the device's port (the target listens on it, the host connects to it), not a wildcard, broadcast or multicast address";
        }

        endpoint = ep;
        return null;
    }

    /// <summary>What is wrong with <c>--device</c>, or null.</summary>
    public static string? CheckDevice(string? device) =>
        device == null || DeviceName().IsMatch(device)
            ? null
            : $"--device {device}: not an RDMA device name (1..{DeviceNameLengthMax} letters, digits, '_', '-', '.'; e.g. mlx5_0, rxe0; harness devices lists them)";

    /// <summary>What is wrong with the numbers and with options of the wrong role, or null (role null: not given yet).</summary>
    public static string? CheckNumbers(RunSettings s, HardwareRole? role)
    {
        var inv = CultureInfo.InvariantCulture;
        if (s.Sessions is < 1)
        {
            return string.Create(inv, $"--sessions {s.Sessions}: must be at least 1 (leave it out to serve until SIGINT/SIGTERM)");
        }

        if (s.DurationSeconds is { } d && (d <= 0 || !double.IsFinite(d)))
        {
            return string.Create(inv, $"--duration {d}: must be a positive number of seconds");
        }

        if (s.WatchdogSeconds is { } wd && (wd <= 0 || !double.IsFinite(wd)))
        {
            return string.Create(inv, $"--watchdog {wd}: must be a positive number of seconds");
        }

        if (role is { } r && r != HardwareRole.Target && (s.Sessions != null || s.DurationSeconds != null))
        {
            return $"{(s.Sessions != null ? "--sessions" : "--duration")}: only --role target takes it (a {r.ToName()} run ends when its workload does)";
        }

        return null;
    }

    /// <summary>
    /// A run is described by a role and an address together: once one of them is given the other is required, and
    /// that is said before the machine is touched (with neither, the machine is asked first: see <c>RunHardware</c>).
    /// </summary>
    public static string? CheckPair(HardwareRole? role, IPEndPoint? address) =>
        (role, address) switch
        {
            ({ } r, null) => $"--addr is required with --role {r.ToName()}: IP:PORT of the device's port, where the target listens and the host connects (e.g. --addr 192.0.2.1:4420)",
            (null, { } a) => $"--role is required with --addr {a}: {string.Join(", ", HardwareRoleNames.Names)} (docs/hardware.md)",
            _ => null,
        };

    /// <summary>The first hardware-only option given (for the error of a simulated run that got one).</summary>
    public static string FirstHardwareOption(RunSettings s) =>
        s.Device != null ? $"--device {s.Device}"
        : s.Role != null ? $"--role {s.Role}"
        : s.Address != null ? $"--addr {s.Address}"
        : s.Sessions != null ? "--sessions"
        : s.DurationSeconds != null ? "--duration"
        : "--watchdog";

    private static bool IsMulticast(IPAddress a) =>
        a.IsIPv6Multicast || (a.AddressFamily == AddressFamily.InterNetwork && (a.GetAddressBytes()[0] & 0xF0) == 0xE0);

    [GeneratedRegex(@"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d+$")]
    private static partial Regex DottedQuadWithPort();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{1,63}$")]
    private static partial Regex DeviceName();
}
