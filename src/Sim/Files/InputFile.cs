using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace Harness.Sim.Files;

/// <summary>
/// Reading a file the user named (a scenario, a trace, a snapshot, a log, a counter dump) so that every way it can be
/// wrong ends in one sentence naming the file: missing, a directory, unreadable, too large, not UTF-8 (with the line
/// and column of the first bad byte). Every reader of user input goes through here, so the messages are the same
/// everywhere and no <see cref="IOException"/> reaches the command line.
/// </summary>
public static partial class InputFile
{
    /// <summary>
    /// The options every JSON input is parsed with: comments allowed (people annotate scenarios), a duplicated
    /// property rejected (with "last wins" a typo silently overrides a value the reader sees above it).
    /// </summary>
    public static JsonDocumentOptions JsonOptions(int depthMax) => new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = depthMax,
        AllowDuplicateProperties = false,
    };

    /// <summary>
    /// All bytes of <paramref name="path"/>, at most <paramref name="bytesMax"/>; <paramref name="what"/> says what
    /// the file should be ("scenario file", "trace"), for the message.
    /// </summary>
    /// <exception cref="InputFileException">The file cannot be read; the message says why.</exception>
    public static byte[] ReadAllBytes(string path, long bytesMax, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            CheckIsFile(path, what);
            var info = new FileInfo(path);
            if (info.Length > bytesMax)
            {
                throw new InputFileException(path, Inv($"{info.Length} bytes: larger than a {what} may be ({bytesMax})"));
            }

            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is not InputFileException && IsFileProblem(e))
        {
            throw new InputFileException(path, Reason(e));
        }
    }

    /// <summary>Opens <paramref name="path"/> for reading (for files read line by line).</summary>
    /// <exception cref="InputFileException">The file cannot be opened; the message says why.</exception>
    public static FileStream OpenRead(string path, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            CheckIsFile(path, what);
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is not InputFileException && IsFileProblem(e))
        {
            throw new InputFileException(path, Reason(e));
        }
    }

    /// <summary>
    /// Null when <paramref name="utf8"/> is valid UTF-8, else where the first invalid byte is (1-based line, column
    /// in bytes, byte offset) and its value; <paramref name="line"/> is that line.
    /// </summary>
    public static string? Utf8Problem(ReadOnlySpan<byte> utf8, out int line) => Utf8Problem(utf8, out line, out _);

    /// <summary>
    /// As <see cref="Utf8Problem(ReadOnlySpan{byte}, out int)"/>, with the byte offset of the first invalid byte
    /// (-1 when there is none), so that a JSON reader can say which field holds it.
    /// </summary>
    public static string? Utf8Problem(ReadOnlySpan<byte> utf8, out int line, out int offset)
    {
        line = 1;
        offset = -1;
        if (Utf8.IsValid(utf8))
        {
            return null;
        }

        Span<char> scratch = stackalloc char[1024];
        offset = 0;
        while (true)
        {
            var status = Utf8.ToUtf16(utf8[offset..], scratch, out var read, out _, replaceInvalidSequences: false, isFinalBlock: true);
            offset += read;
            if (status != OperationStatus.DestinationTooSmall)
            {
                break;
            }
        }

        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        var value = offset < utf8.Length ? utf8[offset] : (byte)0;
        return Inv($"not UTF-8: byte 0x{value:x2} at line {line}, column {offset - lineStart + 1} (byte offset {offset}) does not start a valid character");
    }

    /// <summary>
    /// What a <see cref="JsonException"/> says is wrong, without its <c>Path: … | LineNumber: … | BytePositionInLine: …</c>
    /// tail: the caller names the place in its own words (file, line, field).
    /// </summary>
    public static string JsonProblem(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = e.Message;
        foreach (var tail in new[] { " Path:", " LineNumber:" })
        {
            var cut = message.IndexOf(tail, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }

        var duplicate = DuplicateProperty().Match(message);
        return duplicate.Success
            ? $"property '{duplicate.Groups["name"].Value}' appears twice (the later value would silently replace the earlier one)"
            : message.TrimEnd();
    }

    /// <summary>True for the exceptions that mean "this path cannot be read as a file" rather than a bug.</summary>
    public static bool IsFileProblem(Exception e) =>
        e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or System.Security.SecurityException;

    /// <summary>What is wrong with the path, in a few words, from the exception the file system gave.</summary>
    public static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        PathTooLongException => "the path is too long",
        ArgumentException or NotSupportedException => "not a valid path",
        _ => $"cannot read it ({e.Message.TrimEnd('.')})",
    };

    private static void CheckIsFile(string path, string what)
    {
        if (path.Length == 0)
        {
            throw new InputFileException(path, "an empty path names no file");
        }

        if (Directory.Exists(path))
        {
            throw new InputFileException(path, $"is a directory, not a {what}");
        }

        if (!File.Exists(path))
        {
            throw new InputFileException(path, "no such file");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^Duplicate property '(?<name>.*)' encountered")]
    private static partial System.Text.RegularExpressions.Regex DuplicateProperty();

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
