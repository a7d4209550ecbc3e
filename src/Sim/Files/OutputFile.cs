using System.Globalization;
using System.Text;

namespace Harness.Sim.Files;

/// <summary>
/// Writing a file the user named (a report, a scenario, a picture) without ever damaging what is there. A regular file,
/// or nothing yet, is written whole or not at all: the content goes to a temporary file of a unique name next to it,
/// which then replaces it by a rename, so a reader sees the old file or the new one and two writers never share a
/// temporary file; a failure leaves the target as it was and no temporary file behind. A symbolic link is written
/// through (its final target is replaced, the link stays). A character device or a pipe (<c>/dev/null</c>,
/// <c>/dev/stdout</c>, <c>--junit &gt;(xmllint -)</c>) is written in place, as a shell's <c>&gt;</c> does: a rename
/// would replace the device node itself (as root, <c>/dev/null</c> with a regular file). Anything else (a directory,
/// a block device, a socket) is refused (<see cref="Refusal"/>), before anything is written.
/// </summary>
public static class OutputFile
{
    /// <summary>Bytes the write buffers before it calls the file system.</summary>
    private const int BufferBytes = 1 << 16;

    /// <summary>Numbers this process's temporary files.</summary>
    private static long _tempSequence;

    /// <summary>
    /// Null when <paramref name="path"/> is something a write may go to (nothing yet, a regular file, a character device,
    /// a pipe), else why not, in a few words ("it is a block device: …"). Whether its folder takes files is another
    /// question, which only a write (or a probe) answers.
    /// </summary>
    public static string? Refusal(string path) => RefusalOf(FileKinds.Of(path));

    /// <summary>True when a write to <paramref name="path"/> goes in place (a character device or a pipe), not through a temporary file.</summary>
    public static bool WritesInPlace(string path) => InPlace(FileKinds.Of(path));

    /// <summary>Whether this process may write the existing <paramref name="path"/> itself (<c>access(W_OK)</c>: for what is written in place).</summary>
    public static bool MayWrite(string path) => UnixFileCalls.MayWrite(path);

    /// <summary>The path a whole-file write replaces: <paramref name="path"/>, or the final target of the link it is.</summary>
    public static string FinalPath(string path)
    {
        var full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        return info.LinkTarget == null ? full : info.ResolveLinkTarget(returnFinalTarget: true)!.FullName; // only a link resolves: a new file is no link
    }

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/> (see the type for how).</summary>
    /// <exception cref="IOException">The path names something no write may go to (the message says what), or the write failed.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        var kind = FileKinds.Of(path);
        if (RefusalOf(kind) is { } refusal)
        {
            throw new IOException(refusal);
        }

        if (InPlace(kind))
        {
            WriteInPlace(path, write);
        }
        else
        {
            WriteWhole(FinalPath(path), write);
        }
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no byte-order mark).</summary>
    public static void WriteText(string path, string text) =>
        Write(path, s => s.Write(new UTF8Encoding(false).GetBytes(text)));

    private static string? RefusalOf(FileKind kind) => kind switch
    {
        FileKind.Missing or FileKind.Regular or FileKind.CharacterDevice or FileKind.Fifo => null,
        FileKind.Directory => "it is a directory",
        _ => $"it is {FileKinds.Describe(kind)}: only a regular file (or a new one), a character device such as /dev/null or a pipe is written",
    };

    private static bool InPlace(FileKind kind) => kind is FileKind.CharacterDevice or FileKind.Fifo;

    /// <summary>A device or a pipe takes the bytes as they come: there is nothing to replace, and nothing to truncate.</summary>
    private static void WriteInPlace(string path, Action<Stream> write)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, BufferBytes);
        write(stream);
        stream.Flush(); // not to disk: a pipe has none (fsync fails on it)
    }

    private static void WriteWhole(string target, Action<Stream> write)
    {
        var directory = Path.GetDirectoryName(target) ?? ".";
        // Unique per process and write, without a random source (the process id tells concurrent harnesses apart).
        var sequence = Interlocked.Increment(ref _tempSequence);
        var temp = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{sequence}.tmp"));
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferBytes))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            KeepMode(target, temp);

            // Checked again at the last moment: something other than a file may have been put there while we wrote.
            var now = FileKinds.Of(target);
            if (now is not (FileKind.Missing or FileKind.Regular))
            {
                throw new IOException(RefusalOf(now) ?? $"it became {FileKinds.Describe(now)} while the file was written");
            }

            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            Remove(temp);
        }
    }

    /// <summary>The new file keeps the permissions of the one it replaces (a report kept private stays private).</summary>
    private static void KeepMode(string target, string temp)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(target))
        {
            File.SetUnixFileMode(temp, File.GetUnixFileMode(target));
        }
    }

    /// <summary>Removes the temporary file if it is still there; a failure to remove it must not hide the write's own error.</summary>
    private static void Remove(string temp)
    {
        try
        {
            File.Delete(temp); // no error when it was renamed away
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind with a name that says what it is (.NAME.PID.GUID.tmp); the write's error, if any, is the news.
        }
    }
}
