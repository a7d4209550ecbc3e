using System.Globalization;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// NIC counters from sysfs: <c>/sys/class/infiniband/&lt;dev&gt;/ports/&lt;n&gt;/hw_counters/*</c> (the driver's:
/// req_cqe_error, req_cqe_flush_error, local_ack_timeout_err, rnr_nak_retry_err, out_of_sequence, …) and
/// <c>…/counters/*</c> (the IB port counters: port_xmit_data, symbol_error, …). Missing directories or unreadable files
/// are skipped: not every driver has every counter (rxe has few), and containers often hide sysfs.
/// </summary>
public static class NicCounters
{
    public const string DefaultSysfsRoot = "/sys/class/infiniband";

    /// <summary>hw_counters that name an error path the harness's faults provoke; <see cref="Format"/> lists them first.</summary>
    public static readonly IReadOnlyList<string> ErrorCounters = new[]
    {
        "req_cqe_error", "req_cqe_flush_error", "resp_cqe_error", "resp_cqe_flush_error", "local_ack_timeout_err",
        "rnr_nak_retry_err", "packet_seq_err", "out_of_sequence", "implied_nak_seq_err", "req_remote_access_errors",
        "req_remote_invalid_request", "resp_remote_access_errors", "resp_local_length_error", "duplicate_request",
        "out_of_buffer", "rx_icrc_encapsulated", "roce_adp_retrans", "roce_slow_restart",
    };

    /// <summary>Every counter of port <paramref name="port"/> of <paramref name="device"/> (name → value), sorted by name.</summary>
    public static IReadOnlyDictionary<string, long> Read(string device, int port, string? sysfsRoot = null)
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var portDir = Path.Combine(sysfsRoot ?? DefaultSysfsRoot, device, "ports", port.ToString(CultureInfo.InvariantCulture));
        ReadDirectory(Path.Combine(portDir, "counters"), result);
        ReadDirectory(Path.Combine(portDir, "hw_counters"), result); // the driver's own win over a same-named port counter
        return result;
    }

    /// <summary>after − before for every counter in <paramref name="after"/> (a counter absent before counts from 0); zero deltas omitted.</summary>
    public static IReadOnlyDictionary<string, long> Delta(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after)
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, value) in after)
        {
            var delta = value - before.GetValueOrDefault(name);
            if (delta != 0)
            {
                result[name] = delta;
            }
        }

        return result;
    }

    /// <summary>"name value" lines, error counters first, for logs and the nightly report.</summary>
    public static IEnumerable<string> Format(IReadOnlyDictionary<string, long> counters)
    {
        var errors = ErrorCounters.Where(counters.ContainsKey);
        var rest = counters.Keys.Where(k => !ErrorCounters.Contains(k));
        return errors.Concat(rest).Select(k => string.Create(CultureInfo.InvariantCulture, $"{k} {counters[k]}"));
    }

    private static void ReadDirectory(string dir, SortedDictionary<string, long> into)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(dir))
        {
            try
            {
                var text = File.ReadAllText(file).Trim();
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
                {
                    into[Path.GetFileName(file)] = value;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Some counters are write-only or vanish with the device; skip them.
            }
        }
    }
}
