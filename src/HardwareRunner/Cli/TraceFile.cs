using Harness.HardwareRunner.Reports;
using Harness.Sim.Tracing;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// The <c>--trace FILE</c> of a run: JSON lines written in place as the run goes (so a pipe or <c>/dev/null</c> works
/// too; <see cref="OutputPath"/> checked the path before). A write that fails meanwhile (the disk filled up) never
/// reaches the simulation (<see cref="GuardedWriteStream"/>): the run goes on unchanged, its summary is printed, and
/// <see cref="Close"/> then names the failure; a file the run created is removed rather than left half-written.
/// </summary>
internal sealed class TraceFile : IDisposable
{
    private readonly string _path;
    private readonly bool _created;
    private readonly GuardedWriteStream _stream;
    private string? _problem;
    private bool _closed;

    private TraceFile(string path, bool created, GuardedWriteStream stream)
    {
        _path = path;
        _created = created;
        _stream = stream;
        Trace = new Trace(stream, ownsStream: true);
    }

    /// <summary>The trace that writes the file.</summary>
    public Trace Trace { get; }

    /// <summary>Opens <paramref name="path"/> (null: no trace file); null or the error naming <c>--trace</c>.</summary>
    public static string? Open(string? path, out TraceFile? file)
    {
        file = null;
        if (path == null)
        {
            return null;
        }

        var created = !File.Exists(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"--trace {path}: cannot write the trace there: {e.Message.TrimEnd('.')}";
        }

        file = new TraceFile(path, created, new GuardedWriteStream(stream));
        return null;
    }

    /// <summary>Flushes and closes the file; null, or the error naming <c>--trace</c> when a write failed (the file then removed if the run made it).</summary>
    public string? Close()
    {
        if (_closed)
        {
            return _problem;
        }

        _closed = true;
        _stream.Dispose(); // the trace hands every record to the stream as it is written; closing twice (the fabric closes it too) is harmless
        if (_stream.Error is not { } error)
        {
            return null;
        }

        if (_created)
        {
            File.Delete(_path);
        }

        _problem = $"--trace {_path}: cannot write the trace: {error.Message.TrimEnd('.')}{(_created ? " (the partial file was removed)" : string.Empty)}";
        return _problem;
    }

    /// <inheritdoc/>
    public void Dispose() => Close();
}
