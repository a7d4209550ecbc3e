using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Harness.Sim.Files;

namespace Harness.HardwareRunner.FieldBugs;

/// <summary>
/// Reads NIC hardware counters as people collect them: <c>ethtool -S</c> (<c>     req_cqe_error: 5951</c>), a listing of
/// sysfs hw_counters (<c>grep . /sys/class/infiniband/mlx5_0/ports/1/hw_counters/*</c> gives <c>…/req_cqe_error:5951</c>),
/// or plain <c>name value</c> lines. A counter seen twice is summed (several ports or devices; the sum saturates at
/// <see cref="long.MaxValue"/> and says so). Lines that are none of these (headers such as <c>NIC statistics:</c>,
/// binary junk) are counted, never fatal.
/// </summary>
public static partial class NicCounterFile
{
    /// <summary>Longest line considered (a counter line is tens of characters).</summary>
    public const int LineCharsMax = 1024;

    /// <summary>Parses the counters file at <paramref name="path"/> into <paramref name="report"/>.</summary>
    /// <exception cref="InputFileException">The file cannot be read (missing, a directory, permission).</exception>
    public static void ReadFile(string path, FieldReport report)
    {
        using var stream = InputFile.OpenRead(path, "counters file");
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        Read(reader, report);
    }

    public static void Read(TextReader reader, FieldReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var lines = new BoundedLineReader(reader, LineCharsMax);
        while (lines.ReadLine(out var cut) is { } line)
        {
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var m = cut ? Match.Empty : CounterLine().Match(line);
            if (m.Success)
            {
                // Counters are 64-bit unsigned: one beyond long.MaxValue is kept as that, and said to be capped.
                var fits = long.TryParse(m.Groups["value"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value);
                report.AddCounter(m.Groups["name"].Value, fits ? value : long.MaxValue);
                if (!fits)
                {
                    report.SaturatedCounters.Add(m.Groups["name"].Value);
                }
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
