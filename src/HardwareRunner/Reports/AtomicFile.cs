using Harness.Sim.Files;

namespace Harness.HardwareRunner.Reports;

/// <summary>
/// The commands' name for <see cref="OutputFile"/> (one implementation, in Sim so that scenario files are saved the same
/// way): a regular file or a new one written whole or not at all, a character device or a pipe written in place, anything
/// else refused. Kept for the commands that call it (render, import-log, import-core).
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/> (<see cref="OutputFile.Write"/>).</summary>
    public static void Write(string path, Action<Stream> write) => OutputFile.Write(path, write);

    /// <summary>Writes <paramref name="text"/> (UTF-8, no byte-order mark; <see cref="OutputFile.WriteText"/>).</summary>
    public static void WriteText(string path, string text) => OutputFile.WriteText(path, text);
}
