namespace Harness.Sim.Coverage;

/// <summary>
/// A coverage file (<c>harness sweep --coverage-json</c>) is bad: names the file, the line and the field (JSON path),
/// and what is wrong, as <c>FILE:LINE: FIELD: PROBLEM</c> (the form scenario files' errors take).
/// </summary>
public sealed class CoverageFormatException : Exception
{
    public CoverageFormatException(string file, int line, string field, string problem)
        : base(FormattableString.Invariant($"{file}:{line}: {field}: {problem}"))
    {
        File = file;
        Line = line;
        Field = field;
        Problem = problem;
    }

    /// <summary>The file as it was named.</summary>
    public string File { get; }

    /// <summary>1-based line of the field (or of the syntax error).</summary>
    public int Line { get; }

    /// <summary>The field as a path, e.g. <c>categories.fault-sites.cells</c> (<c>(document)</c> for the whole file).</summary>
    public string Field { get; }

    /// <summary>What is wrong, without the place.</summary>
    public string Problem { get; }
}
