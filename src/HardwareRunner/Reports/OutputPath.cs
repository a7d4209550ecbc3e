namespace Harness.HardwareRunner.Reports;

/// <summary>
/// Whether a file the user asked for (<c>--junit</c>, <c>--trace</c>, <c>-o</c>, <c>--out</c>) can be written, checked
/// before the work that produces it, so that a bad path is a usage error (exit 2) at once and never the end of a long
/// run whose results are then lost. The check creates (and removes) a probe file next to the target, because only
/// the file system knows whether a directory that exists takes new files (<c>/proc</c>, a read-only mount).
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
            if (Directory.Exists(full))
            {
                return "it is a directory";
            }

            var directory = Path.GetDirectoryName(full);
            if (directory == null || !Directory.Exists(directory))
            {
                return $"its directory {directory} does not exist";
            }

            var probe = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.probe");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return e switch
            {
                UnauthorizedAccessException => "permission denied",
                FileNotFoundException or DirectoryNotFoundException => "its directory does not take new files",
                PathTooLongException => "the path is too long",
                ArgumentException or NotSupportedException => "not a valid path",
                _ => e.Message.TrimEnd('.'),
            };
        }
    }
}
