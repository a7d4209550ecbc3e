namespace Harness.Sim.Files;

/// <summary>A file the user named cannot be read as input: the message is <c>PATH: REASON</c>.</summary>
public sealed class InputFileException : Exception
{
    public InputFileException(string path, string reason)
        : base($"{path}: {reason}")
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The path as the user gave it.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the path.</summary>
    public string Reason { get; }
}
