using System.Diagnostics;
using System.Globalization;

namespace Harness.Tests.Properties.Wire;

/// <summary>
/// Runs Wireshark's <c>tshark</c> on a capture and reads the fields it decoded, one row per frame. tshark is the
/// independent decoder of the wire format: tools/test.sh installs it (Debian package <c>tshark</c>); a machine without
/// it fails the tests that need it with that instruction, never skips them.
/// </summary>
internal static class Tshark
{
    /// <summary>How long one decode may take.</summary>
    private const int TimeoutMsMax = 120_000;

    /// <summary>The rows of <c>tshark -r <paramref name="pcap"/> -Y <paramref name="filter"/> -T fields</c>, keyed by frame number; fields in the order given.</summary>
    public static IReadOnlyDictionary<int, string[]> Fields(string pcap, string filter, params string[] fields)
    {
        var info = new ProcessStartInfo(Path())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-n", "-r", pcap, "-Y", filter, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f", "-e", "frame.number" })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var field in fields)
        {
            info.ArgumentList.Add("-e");
            info.ArgumentList.Add(field);
        }

        using var p = Process.Start(info) ?? throw new Xunit.Sdk.XunitException("could not start tshark");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeoutMsMax), "tshark did not finish");
        Assert.True(p.ExitCode == 0, $"tshark exit {p.ExitCode}: {stderr.Result}");
        var rows = new Dictionary<int, string[]>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var cells = line.TrimEnd('\r').Split('\t');
            rows.Add(int.Parse(cells[0], CultureInfo.InvariantCulture), cells[1..]);
        }

        return rows;
    }

    /// <summary>A decoded number as tshark prints it (decimal, or hex with 0x); null for an empty cell.</summary>
    public static ulong? Number(string cell) =>
        cell.Length == 0 ? null
        : cell.StartsWith("0x", StringComparison.Ordinal) ? ulong.Parse(cell.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
        : ulong.Parse(cell, CultureInfo.InvariantCulture);

    private static string Path()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var candidate = System.IO.Path.Combine(dir, "tshark");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new Xunit.Sdk.XunitException("tshark not found on PATH: tools/test.sh installs it (apt-get install tshark); this test needs Wireshark's decoder");
    }
}
