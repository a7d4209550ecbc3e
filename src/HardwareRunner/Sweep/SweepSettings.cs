using Harness.HardwareRunner.Cli;

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

    /// <summary>Count what the seeds reached and print the coverage table (<see cref="CoverageTable"/>).</summary>
    public bool Coverage { get; init; }

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
    };
}
