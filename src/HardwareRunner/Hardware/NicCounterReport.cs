using System.Globalization;
using Harness.HardwareRunner.Native;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// NIC counters around a hardware run: a snapshot of every port of the run's devices before and after
/// (<see cref="Take"/>), the delta (<see cref="Delta"/>), and its report — summary lines and JUnit properties, the error
/// counters (<see cref="NicCounters.ErrorCounters"/>) first, so a job reads <c>req_cqe_error</c> before
/// <c>port_xmit_data</c>. A run that injected no transport fault but moved <c>local_ack_timeout_err</c> had a network
/// problem, not a transport bug (docs/hardware.md).
/// </summary>
public static class NicCounterReport
{
    /// <summary>Ports per device read at most.</summary>
    public const int PortsPerDeviceMax = 16;

    /// <summary>The counters of every port of <paramref name="devices"/> (ports as sysfs lists them).</summary>
    public static IReadOnlyList<NicPortCounters> Take(IEnumerable<string> devices, string? sysfsRoot = null)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var root = sysfsRoot ?? NicCounters.DefaultSysfsRoot;
        var result = new List<NicPortCounters>();
        foreach (var device in devices.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            foreach (var port in Ports(root, device))
            {
                result.Add(new NicPortCounters(device, port, NicCounters.Read(device, port, root)));
            }
        }

        return result;
    }

    /// <summary>after − before per port of <paramref name="after"/> (a port or counter absent before counts from 0).</summary>
    public static IReadOnlyList<NicPortDelta> Delta(IReadOnlyList<NicPortCounters> before, IReadOnlyList<NicPortCounters> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return after.Select(a =>
        {
            var b = before.FirstOrDefault(p => p.Device == a.Device && p.Port == a.Port)?.Values ?? new Dictionary<string, long>();
            return new NicPortDelta(a.Device, a.Port, a.Values.Count, NicCounters.Delta(b, a.Values));
        }).ToList();
    }

    /// <summary>The summary lines: one per port, then each changed counter, error counters first.</summary>
    public static IEnumerable<string> Format(IReadOnlyList<NicPortDelta> deltas, string? sysfsRoot = null)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        var inv = CultureInfo.InvariantCulture;
        if (deltas.Count == 0)
        {
            yield return $"nic counters: no port found under {sysfsRoot ?? NicCounters.DefaultSysfsRoot}";
            yield break;
        }

        foreach (var d in deltas)
        {
            var errors = d.Changed.Keys.Count(NicCounters.ErrorCounters.Contains);
            yield return d.Read == 0
                ? string.Create(inv, $"nic counters {d.Device} port {d.Port}: none readable (no counters or hw_counters in sysfs)")
                : d.Changed.Count == 0
                    ? string.Create(inv, $"nic counters {d.Device} port {d.Port}: {d.Read} read, none changed during the run")
                    : string.Create(inv, $"nic counters {d.Device} port {d.Port}: {d.Changed.Count} of {d.Read} changed during the run ({errors} error counters), after − before:");
            foreach (var name in Ordered(d.Changed))
            {
                yield return string.Create(inv, $"  {name} {d.Changed[name]:+#;-#;0}{(NicCounters.ErrorCounters.Contains(name) ? "  (error)" : string.Empty)}");
            }
        }
    }

    /// <summary>JUnit properties: per port a count line, then every changed counter (<c>nic.DEV.PORT.NAME</c> = delta), errors first.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Properties(IReadOnlyList<NicPortDelta> deltas)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        var inv = CultureInfo.InvariantCulture;
        foreach (var d in deltas)
        {
            var prefix = string.Create(inv, $"nic.{d.Device}.{d.Port}");
            yield return new(prefix + ".counters", string.Create(inv, $"{d.Read} read, {d.Changed.Count} changed"));
            foreach (var name in Ordered(d.Changed))
            {
                yield return new($"{prefix}.{name}", d.Changed[name].ToString(inv));
            }
        }
    }

    /// <summary>Error counters in <see cref="NicCounters.ErrorCounters"/>'s order, then the rest by name.</summary>
    private static IEnumerable<string> Ordered(IReadOnlyDictionary<string, long> counters) =>
        NicCounters.ErrorCounters.Where(counters.ContainsKey).Concat(counters.Keys.Where(k => !NicCounters.ErrorCounters.Contains(k)).Order(StringComparer.Ordinal));

    private static IEnumerable<int> Ports(string root, string device)
    {
        var dir = Path.Combine(root, device, "ports");
        if (!Directory.Exists(dir))
        {
            return [];
        }

        try
        {
            return Directory.EnumerateDirectories(dir)
                .Select(p => int.TryParse(Path.GetFileName(p), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
                .Where(n => n > 0)
                .Order()
                .Take(PortsPerDeviceMax)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
