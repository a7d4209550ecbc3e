namespace Harness.HardwareRunner.Reports;

/// <summary>One <c>testcase</c>.</summary>
public sealed record JUnitCase
{
    public required string ClassName { get; init; }

    public required string Name { get; init; }

    public TimeSpan Time { get; init; }

    public JUnitOutcome Outcome { get; init; }

    /// <summary>For failures and errors: the <c>type</c> attribute (here the invariant's name).</summary>
    public string? FailureType { get; init; }

    /// <summary>For failures, errors and skips: the one-line message.</summary>
    public string? Message { get; init; }

    /// <summary>For failures and errors: the body (detail, how to replay).</summary>
    public string? Details { get; init; }

    /// <summary>The case's <c>system-out</c>, or null.</summary>
    public string? SystemOut { get; init; }
}
