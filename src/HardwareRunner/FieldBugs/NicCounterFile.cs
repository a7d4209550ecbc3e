using System.Globalization;
using System.Text.RegularExpressions;

namespace Harness.HardwareRunner.FieldBugs;

/// <summary>
/// Reads NIC hardware counters as people collect them: <c>ethtool -S</c> (<c>     req_cqe_error: 5951</c>), a listing of
/// sysfs hw_counters (<c>grep . /sys/class/infiniband/mlx5_0/ports/1/hw_counters/*</c> gives <c>…/req_cqe_error:5951</c>),
/// or plain <c>name value</c> lines. A counter seen twice is summed (several ports or devices). Lines that are none of
/// these (headers such as <c>NIC statistics:</c>) are counted, never fatal.
/// </summary>
public static partial class NicCounterFile
{
    /// <summary>Parses the counters file at <paramref name="path"/> into <paramref name="report"/>.</summary>
    public static void ReadFile(string path, FieldReport report)
    {
        using var reader = new StreamReader(path);
        Read(reader, report);
    }

    public static void Read(TextReader reader, FieldReport report)
    {
        while (reader.ReadLine() is { } line)
        {
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var m = CounterLine().Match(line);
            if (m.Success && long.TryParse(m.Groups["value"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                var name = m.Groups["name"].Value;
                report.Counters[name] = report.Counters.GetValueOrDefault(name) + value;
            }
            else
            {
                report.UnknownCounterLines++;
            }
        }
    }

    [GeneratedRegex(@"^\s*(?:\S*/)?(?<name>[A-Za-z][A-Za-z0-9_.\-]*)\s*(?::\s*|=\s*|\s+)(?<value>\d+)\s*$")]
    private static partial Regex CounterLine();
}
