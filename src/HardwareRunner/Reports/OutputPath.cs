using Harness.Sim.Files;

namespace Harness.HardwareRunner.Reports;

/// <summary>
/// Whether a file the user asked for (<c>--junit</c>, <c>--trace</c>, <c>-o</c>, <c>--out</c>) can be written, checked
/// before the work that produces it, so that a bad path is a usage error (exit 2) at once and never the end of a long
/// run whose results are then lost. It answers for the write <see cref="OutputFile"/> will make: a regular file (or a
/// new one) is replaced through a temporary file next to it (next to a link's final target), so the check creates (and
/// removes) a probe file there, because only the file system knows whether a directory that exists takes new files
/// (<c>/proc</c>, a read-only mount); a character device or a pipe (<c>/dev/null</c>, <c>/dev/fd/N</c>) is written in
/// place, so it must be writable itself; anything else (a directory, a block device, a socket) is refused.
/// <see cref="FolderProblem"/> is the same check for an option that names a folder of files (<c>sweep --out</c>).
/// </summary>
public static class OutputPath
{
    /// <summary>
    /// Null when <paramref name="path"/> can be written, else the usage error: <c>OPTION PATH: cannot write WHAT there: WHY</c>.
    /// </summary>
    public static string? Problem(string? path, string option, string what)
    {
        if (path == null)
        {
            return null;
        }

        var why = Why(path);
        return why == null ? null : $"{option} {path}: cannot write {what} there: {why}";
    }

    /// <summary>Null when a file can be created at <paramref name="path"/>, else why not, in a few words.</summary>
    public static string? Why(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            return "an empty path names no file";
        }

        try
        {
            var full = Path.GetFullPath(path);
            if (OutputFile.Refusal(full) is { } refusal)
            {
                return refusal;
            }

            if (OutputFile.WritesInPlace(full))
            {
                return OutputFile.MayWrite(full) ? null : "permission denied";
            }

            var target = OutputFile.FinalPath(full);
            var directory = Path.GetDirectoryName(target);
            if (directory == null || !Directory.Exists(directory))
            {
                return $"its directory {directory} does not exist";
            }

            Probe(directory, Path.GetFileName(target));
            return null;
        }
        catch (Exception e) when (IsPathError(e))
        {
            return Reason(e, "its directory does not take new files");
        }
    }

    /// <summary>
    /// As <see cref="Problem"/> for a file written in place as the work goes (a trace streamed during a run): an existing
    /// regular file is accepted, because it is opened before the work starts, which is its check (its folder need not
    /// take new files); a pipe or a device (<c>--trace &gt;(gzip &gt; t.gz)</c> names <c>/dev/fd/63</c>) as by
    /// <see cref="Problem"/>: writable, and never a block device or a socket.
    /// </summary>
    public static string? InPlaceProblem(string? path, string option, string what) =>
        path != null && path.Length > 0 && FileKinds.Of(path) == FileKind.Regular ? null : Problem(path, option, what);

    /// <summary>
    /// Null when <paramref name="path"/> is a folder that files can be created in, or can be made one (it and its missing
    /// parents are created when the first file is written), else the usage error: <c>OPTION PATH: cannot write WHAT there: WHY</c>.
    /// </summary>
    public static string? FolderProblem(string? path, string option, string what)
    {
        if (path == null)
        {
            return null;
        }

        var why = FolderWhy(path);
        return why == null ? null : $"{option} {path}: cannot write {what} there: {why}";
    }

    /// <summary>Null when files can be created in the folder <paramref name="path"/> (made when missing), else why not.</summary>
    public static string? FolderWhy(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            return "an empty path names no folder";
        }

        try
        {
            // The nearest folder that exists must take new entries: the missing ones are created in it.
            var existing = Path.GetFullPath(path);
            while (!Directory.Exists(existing))
            {
                if (File.Exists(existing))
                {
                    return $"{existing} is a file, not a folder";
                }

                existing = Path.GetDirectoryName(existing);
                if (existing == null)
                {
                    return "no part of it exists";
                }
            }

            Probe(existing, "folder");
            return null;
        }
        catch (Exception e) when (IsPathError(e))
        {
            return Reason(e, "it does not take new files");
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/>, the (atomic) write of <paramref name="path"/> after its check passed; null when it
    /// succeeded, else the error naming the option: <c>OPTION PATH: cannot write WHAT: WHY</c> (the disk filled up, the
    /// folder was removed meanwhile). An atomic write leaves no partial file behind.
    /// </summary>
    public static string? WriteProblem(string path, string option, string what, Action write)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            write();
            return null;
        }
        catch (Exception e) when (IsPathError(e))
        {
            return $"{option} {path}: cannot write {what}: {Reason(e, "its directory no longer exists")}";
        }
    }

    /// <summary>Creates and removes a file in <paramref name="directory"/>: only the file system knows whether it takes one.</summary>
    private static void Probe(string directory, string name)
    {
        var probe = Path.Combine(directory, $".{name}.{Environment.ProcessId}.probe");
        using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
        {
        }
    }

    private static bool IsPathError(Exception e) => e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException;

    private static string Reason(Exception e, string missing) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        FileNotFoundException or DirectoryNotFoundException => missing,
        PathTooLongException => "the path is too long",
        ArgumentException or NotSupportedException => "not a valid path",
        _ => e.Message.TrimEnd('.'),
    };
}
