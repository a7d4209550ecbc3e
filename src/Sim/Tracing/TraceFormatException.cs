namespace Harness.Sim.Tracing;

/// <summary>A trace file that is not what <see cref="Trace"/> writes: names the file, the line and the field.</summary>
public sealed class TraceFormatException : Exception
{
    public TraceFormatException(string file, int line, string? field, string problem)
        : base(field == null ? $"{file}:{line}: {problem}" : $"{file}:{line}: field '{field}': {problem}")
    {
        File = file;
        Line = line;
        Field = field;
    }

    public string File { get; }

    public int Line { get; }

    public string? Field { get; }
}
