using Harness.HardwareRunner.Cli;
using Harness.Sim.Coverage;

namespace Harness.HardwareRunner.Sweep;

/// <summary>Everything <c>harness sweep</c> was asked to do (DESIGN.md "The harness command").</summary>
public sealed record SweepSettings
{
    /// <summary>Default I/Os per seed: small runs, many seeds (swarm testing finds more with breadth).</summary>
    public const int IosDefault = 500;

    public SeedRange Seeds { get; init; } = new(1, 100);

    public Shard Shard { get; init; } = Shard.All;

    /// <summary>Fault profile of every seed (swarm: each seed draws its fault kinds and rates).</summary>
    public string Faults { get; init; } = FaultProfiles.Swarm;

    public IReadOnlyList<string> Defects { get; init; } = Array.Empty<string>();

    public int Ios { get; init; } = IosDefault;

    public int Qpairs { get; init; } = 2;

    public int QueueDepth { get; init; } = 16;

    public int IoSize { get; init; } = 4096;

    public double RwMix { get; init; } = 0.5;

    /// <summary>Seeds run at once (each simulation stays single-threaded and deterministic).</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Where to write the JUnit XML, or null.</summary>
    public string? JunitPath { get; init; }

    /// <summary>Folder for the minimised scenario of each failing seed.</summary>
    public string OutDir { get; init; } = "sweep-failures";

    /// <summary>Failing seeds minimised and saved at most (the first ones by seed); 0: none; default all.</summary>
    public int MinimiseMax { get; init; } = int.MaxValue;

    /// <summary><c>--paranoid</c>: every seed walks all of the target's invariants after every poll (<see cref="RunSettings.Paranoid"/>).</summary>
    public bool Paranoid { get; init; }

    /// <summary>Count what the seeds reached and print the coverage table (<see cref="CoverageTable"/>).</summary>
    public bool Coverage { get; init; }

    /// <summary>Where to write the sweep's coverage as JSON (<see cref="CoverageFile"/>), or null.</summary>
    public string? CoverageJsonPath { get; init; }

    /// <summary>Whether the seeds count coverage: for the table, the JSON, or both.</summary>
    public bool CountsCoverage => Coverage || CoverageJsonPath != null;

    /// <summary>What a coverage file says of this sweep (its seeds, shard, faults, defects and workload).</summary>
    public CoverageSource CoverageSource => new(Seeds.First, Seeds.Last, Shard.Index, Shard.Count, Faults,
        Defects.Order(StringComparer.Ordinal).ToArray(), (Ios, Qpairs, QueueDepth, IoSize));

    /// <summary>The <c>harness run</c> settings of one seed.</summary>
    public RunSettings RunOf(ulong seed) => new()
    {
        Seed = seed,
        Ios = Ios,
        Qpairs = Qpairs,
        QueueDepth = QueueDepth,
        IoSize = IoSize,
        RwMix = RwMix,
        Faults = Faults,
        Defects = Defects,
        Paranoid = Paranoid,
    };
}
