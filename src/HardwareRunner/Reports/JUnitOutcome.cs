namespace Harness.HardwareRunner.Reports;

/// <summary>What became of a case.</summary>
public enum JUnitOutcome
{
    Passed,

    /// <summary>An assertion (here: an invariant) failed.</summary>
    Failed,

    /// <summary>The case could not run (a crash of the harness itself, a usage error).</summary>
    Error,

    Skipped,
}
