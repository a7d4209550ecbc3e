using System.Globalization;
using System.Text.RegularExpressions;
using Harness.HardwareRunner;

namespace Harness.Tests.Properties.Cli;

/// <summary>One in-process run of the <c>harness</c> program: exit code and what it wrote.</summary>
public sealed partial record HarnessRun(int Exit, string Stdout, string Stderr)
{
    /// <summary>Runs <c>harness</c> with <paramref name="args"/> in this process.</summary>
    public static HarnessRun Of(params string[] args)
    {
        var stdout = new StringWriter(CultureInfo.InvariantCulture);
        var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var exit = HarnessProgram.Run(args, stdout, stderr);
        return new HarnessRun(exit, stdout.ToString(), stderr.ToString());
    }

    public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The hash of the last line, which must be <c>trace-hash: &lt;16 hex&gt;</c>.</summary>
    public string TraceHash
    {
        get
        {
            var last = Lines.LastOrDefault() ?? string.Empty;
            var m = TraceHashLine().Match(last);
            Assert.True(m.Success, $"the output does not end with 'trace-hash: <16 hex>'; last line: '{last}'\n{this}");
            return m.Groups[1].Value;
        }
    }

    /// <summary>(requested, completed, failed) from the <c>ios:</c> line.</summary>
    public (long Requested, long Completed, long Failed) Ios
    {
        get
        {
            var line = Lines.Single(l => l.StartsWith("ios:", StringComparison.Ordinal));
            var m = IosLine().Match(line);
            Assert.True(m.Success, $"cannot read the ios line: '{line}'");
            return (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Failed qpairs from the <c>qpairs:</c> line.</summary>
    public int FailedQpairs
    {
        get
        {
            var line = Lines.Single(l => l.StartsWith("qpairs:", StringComparison.Ordinal));
            var m = QpairsLine().Match(line);
            Assert.True(m.Success, $"cannot read the qpairs line: '{line}'");
            return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"exit {Exit}\n--- stdout ---\n{Stdout}--- stderr ---\n{Stderr}";

    [GeneratedRegex("^trace-hash: ([0-9a-f]{16})$")]
    private static partial Regex TraceHashLine();

    [GeneratedRegex(@"^ios: (\d+) requested, (\d+) completed, (\d+) failed")]
    private static partial Regex IosLine();

    [GeneratedRegex(@"^qpairs: \d+ connected, (\d+) failed")]
    private static partial Regex QpairsLine();
}
