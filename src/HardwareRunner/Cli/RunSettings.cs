using System.Globalization;
using System.Text;

namespace Harness.HardwareRunner.Cli;

/// <summary>Everything <c>harness run</c> was asked to do.</summary>
public sealed record RunSettings
{
    public string Backend { get; init; } = BackendNames.Sim;

    public string Workload { get; init; } = WorkloadNames.Nvmf;

    public ulong Seed { get; init; } = 1;

    public int Ios { get; init; } = 2000;

    public int Qpairs { get; init; } = 1;

    public int QueueDepth { get; init; } = 16;

    public int IoSize { get; init; } = 4096;

    /// <summary>Fraction of I/Os that are reads.</summary>
    public double RwMix { get; init; } = 0.5;

    public string Faults { get; init; } = FaultProfiles.None;

    public IReadOnlyList<string> Defects { get; init; } = Array.Empty<string>();

    /// <summary>Where to write the JSONL trace, or null.</summary>
    public string? TracePath { get; init; }

    /// <summary>The command line that replays this run exactly (without <c>--trace</c>).</summary>
    public string ReplayCommand()
    {
        var sb = new StringBuilder("harness run");
        sb.Append(CultureInfo.InvariantCulture, $" --backend {Backend} --workload {Workload} --seed {Seed} --ios {Ios} --qpairs {Qpairs} --qd {QueueDepth} --io-size {IoSize}");
        if (Workload == WorkloadNames.Nvmf)
        {
            sb.Append(CultureInfo.InvariantCulture, $" --rw-mix {RwMix:R}");
        }

        sb.Append(" --faults ").Append(Faults);
        foreach (var defect in Defects)
        {
            sb.Append(" --defect ").Append(defect);
        }

        return sb.ToString();
    }
}
