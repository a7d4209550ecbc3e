using Harness.Sim.Scenarios;

namespace Harness.HardwareRunner.Scenarios;

/// <summary>
/// What one scenario run gave: the invariant that broke (null: none) with its detail, the expectation and whether it
/// was met, the summary lines, evidence notes (e.g. "request #3: IBV_WC_RETRY_EXC_ERR with 2 READs unposted") and the
/// trace hash.
/// </summary>
public sealed record ScenarioOutcome
{
    public required string Name { get; init; }

    public required ScenarioExpectation Expectation { get; init; }

    /// <summary>The first invariant that broke, by its printed name, or null.</summary>
    public string? BrokenInvariant { get; init; }

    /// <summary>What exactly broke (first line: the message), or null.</summary>
    public string? Detail { get; init; }

    public required string TraceHash { get; init; }

    /// <summary>Lines describing the run (workload counts, target log errors).</summary>
    public IReadOnlyList<string> Summary { get; init; } = Array.Empty<string>();

    /// <summary>Facts the run established on the way (error completions of requests with unposted data WRs, …).</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();

    /// <summary>
    /// Indices into the scenario's <c>faults</c> of those that never fired (a WR they select never came, no live QP at
    /// their time): each tested nothing, whatever the result says.
    /// </summary>
    public IReadOnlyList<int> FaultsNeverFired { get; init; } = Array.Empty<int>();

    /// <summary>True when the expectation is met.</summary>
    public bool AsExpected => Expectation.IsMetBy(BrokenInvariant);

    /// <summary>The result line.</summary>
    public string ResultLine => (AsExpected, BrokenInvariant) switch
    {
        (true, null) => "result: as expected (must-pass): no invariant broken",
        (true, var i) => $"result: as expected (must-detect: {i}): detected",
        (false, null) => $"result: NOT AS EXPECTED: expected {Expectation}, but no invariant broke",
        (false, var i) => $"result: NOT AS EXPECTED: expected {Expectation}, but {i} broke",
    };
}
