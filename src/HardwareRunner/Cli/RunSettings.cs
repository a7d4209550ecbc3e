using System.Globalization;
using System.Text;

namespace Harness.HardwareRunner.Cli;

/// <summary>Everything <c>harness run</c> was asked to do.</summary>
public sealed record RunSettings
{
    public string Backend { get; init; } = BackendNames.Sim;

    public ulong Seed { get; init; } = 1;

    public int Ios { get; init; } = 2000;

    public int Qpairs { get; init; } = 1;

    public int QueueDepth { get; init; } = 16;

    public int IoSize { get; init; } = 4096;

    public string Faults { get; init; } = FaultProfiles.None;

    public IReadOnlyList<string> Defects { get; init; } = Array.Empty<string>();

    /// <summary>Where to write the JSONL trace, or null.</summary>
    public string? TracePath { get; init; }

    /// <summary>The command line that replays this run exactly (without <c>--trace</c>).</summary>
    public string ReplayCommand()
    {
        var sb = new StringBuilder("harness run");
        sb.Append(CultureInfo.InvariantCulture, $" --backend {Backend} --seed {Seed} --ios {Ios} --qpairs {Qpairs} --qd {QueueDepth} --io-size {IoSize} --faults {Faults}");
        foreach (var defect in Defects)
        {
            sb.Append(" --defect ").Append(defect);
        }

        return sb.ToString();
    }
}
