namespace Harness.HardwareRunner.Reports;

/// <summary>
/// A test report in the JUnit XML form CI systems read (GitLab, Jenkins, GitHub actions' reporters, Buildkite test
/// analytics): suites of cases, each passed, failed, errored or skipped, with its time and output. Written by
/// <see cref="JUnitWriter"/>; used by <c>harness sweep --junit</c> and by the hardware runner's nightly report.
/// </summary>
public sealed class JUnitReport
{
    public JUnitReport(string name) => Name = name;

    /// <summary>The <c>testsuites</c> name.</summary>
    public string Name { get; }

    public List<JUnitSuite> Suites { get; } = new();
}
