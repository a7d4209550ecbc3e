namespace Harness.Sim.Scenarios;

/// <summary>
/// A scenario file is bad: names the file, the line and the field (JSON path), and what is wrong. The message is
/// <c>FILE:LINE: FIELD: PROBLEM</c>, the form editors and CI logs link to.
/// </summary>
public sealed class ScenarioFormatException : Exception
{
    public ScenarioFormatException(string file, int line, string field, string problem)
        : base($"{file}:{line}: {field}: {problem}")
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

    /// <summary>The field as a path, e.g. <c>commands[2].blocks</c> (<c>(document)</c> for the whole file).</summary>
    public string Field { get; }

    public string Problem { get; }
}
