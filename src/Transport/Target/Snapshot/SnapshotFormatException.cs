namespace Harness.Transport.Target.Snapshot;

/// <summary>A snapshot file that cannot be used: names the file, the line and the field (a JSON path).</summary>
public sealed class SnapshotFormatException : Exception
{
    public SnapshotFormatException(string file, int line, string? field, string problem)
        : base($"{file}:{(line > 0 ? line : "?")}: {(field != null ? $"field {field}: " : string.Empty)}{problem}")
    {
        File = file;
        Line = line;
        Field = field;
        Problem = problem;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    public string File { get; }

    /// <summary>1-based line, 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>JSON path of the field (<c>$.poll_groups[0].pollers[0].qpairs[1].state</c>), or null.</summary>
    public string? Field { get; }
}
