namespace Harness.HardwareRunner.Reports;

/// <summary>One <c>testsuite</c>: its cases and properties (name → value, written in the order added).</summary>
public sealed class JUnitSuite
{
    public JUnitSuite(string name) => Name = name;

    public string Name { get; }

    public List<KeyValuePair<string, string>> Properties { get; } = new();

    public List<JUnitCase> Cases { get; } = new();

    /// <summary>Sum of the cases' times.</summary>
    public TimeSpan Time => TimeSpan.FromTicks(Cases.Sum(c => c.Time.Ticks));
}
