namespace Harness.Sim.Scenarios;

/// <summary>
/// A loaded scenario with where it came from: the file name and the line of every field, so that whoever runs it
/// can still report a problem as <c>FILE:LINE: FIELD</c> (<see cref="Error"/>).
/// </summary>
public sealed class ScenarioDocument
{
    private readonly JsonLineMap _lines;

    internal ScenarioDocument(string file, Scenario scenario, JsonLineMap lines)
    {
        File = file;
        Scenario = scenario;
        _lines = lines;
    }

    /// <summary>The file as it was named.</summary>
    public string File { get; }

    public Scenario Scenario { get; }

    /// <summary>1-based line of the value at JSON Pointer <paramref name="pointer"/> (or its nearest ancestor).</summary>
    public int LineOf(string pointer) => _lines.LineOf(pointer);

    /// <summary>The exception for a problem with the field at <paramref name="pointer"/> (e.g. <c>/random/ioSize</c>).</summary>
    public ScenarioFormatException Error(string pointer, string problem) =>
        new(File, _lines.LineOf(pointer), JsonLineMap.FieldName(pointer), problem);
}
