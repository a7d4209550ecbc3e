namespace Harness.Tests.Properties.Cli.Hostile;

/// <summary>A materialised <see cref="HostileCase"/>: the arguments, and the files it reads and may write.</summary>
internal sealed class HostileInvocation(string dir)
{
    /// <summary>The scratch folder every file of the case lives in.</summary>
    public string Dir => dir;

    public List<string> Args { get; } = new();

    /// <summary>Inputs written before the run, with their bytes (a command must never change its input).</summary>
    public Dictionary<string, byte[]?> Inputs { get; } = new(StringComparer.Ordinal);

    /// <summary>Outputs asked for, with their bytes before the run (null: did not exist).</summary>
    public Dictionary<string, byte[]?> Outputs { get; } = new(StringComparer.Ordinal);

    /// <summary>Writes a mutated sample at <paramref name="name"/> under the folder; returns its path.</summary>
    public string Input(string name, FileMutation mutation, byte[] sample)
    {
        ArgumentNullException.ThrowIfNull(mutation);
        var path = Path.Combine(dir, name);
        mutation.Materialise(sample, path);
        Inputs[path] = File.Exists(path) ? File.ReadAllBytes(path) : null;
        return path;
    }

    /// <summary>The path an output of kind <paramref name="kind"/> goes to.</summary>
    public string Output(string name, OutputKind kind)
    {
        var path = kind switch
        {
            OutputKind.Fresh => Path.Combine(dir, name),
            OutputKind.Existing => Path.Combine(dir, name),
            OutputKind.MissingFolder => Path.Combine(dir, "no-such-folder", name),
            OutputKind.Unwritable => Path.Combine("/proc", name),
            OutputKind.IsFolder => dir,
            _ => string.Empty,
        };
        if (kind == OutputKind.Existing)
        {
            File.WriteAllText(path, "precious\n");
        }

        if (kind is OutputKind.Fresh or OutputKind.Existing or OutputKind.MissingFolder)
        {
            Outputs[path] = File.Exists(path) ? File.ReadAllBytes(path) : null;
        }

        return path;
    }
}
