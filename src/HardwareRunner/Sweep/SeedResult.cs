using Harness.Sim.Coverage;

namespace Harness.HardwareRunner.Sweep;

/// <summary>What one seed of a sweep gave (the fields of <c>harness run</c>'s output that matter).</summary>
public sealed record SeedResult
{
    public required ulong Seed { get; init; }

    /// <summary><c>harness run</c>'s exit code: 0 ok, 1 an invariant broke, 2 bad settings.</summary>
    public required int Exit { get; init; }

    /// <summary>The invariant that broke, or null.</summary>
    public string? Invariant { get; init; }

    /// <summary>What exactly broke (first line), or null.</summary>
    public string? Detail { get; init; }

    /// <summary>The fault rates and faults the seed drew (<c>faults: …</c>, printed first).</summary>
    public required string FaultLine { get; init; }

    public required string TraceHash { get; init; }

    public required TimeSpan Wall { get; init; }

    /// <summary>The command that replays this seed exactly.</summary>
    public required string Replay { get; init; }

    /// <summary>What <c>harness run</c> wrote (stdout and stderr), for the JUnit report.</summary>
    public required string Output { get; init; }

    /// <summary>What the seed reached, when the sweep counts coverage; else null.</summary>
    public CoverageMap? Coverage { get; init; }

    public bool Failed => Exit != 0;
}
