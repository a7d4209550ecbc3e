using System.Text;
using System.Text.RegularExpressions;

namespace Harness.Tests.Properties.Cli.Hostile;

/// <summary>How a valid input is broken before the command reads it.</summary>
internal enum FileMutationKind
{
    /// <summary>Left as it is (the command must still behave).</summary>
    None,

    /// <summary>Cut at a random point.</summary>
    Truncate,

    /// <summary>One byte replaced by a random one.</summary>
    FlipByte,

    /// <summary>An invalid UTF-8 sequence inserted just inside a string.</summary>
    InvalidUtf8,

    /// <summary>A number replaced by a hostile one (negative, huge, fractional, 1e300, not a number).</summary>
    HostileNumber,

    /// <summary>A JSON property repeated with another value (last-wins parsers take it silently).</summary>
    DuplicateKey,

    /// <summary>A line repeated, or a line of control characters and ANSI escapes inserted.</summary>
    JunkLine,

    /// <summary>A JSON string given control characters through escapes (valid JSON: <c>"\u001b[2J"</c>).</summary>
    EscapedControl,

    /// <summary>Replaced by random bytes.</summary>
    RandomBytes,

    /// <summary>An empty file.</summary>
    Empty,

    /// <summary>A directory where the file should be.</summary>
    Directory,

    /// <summary>Nothing at that path.</summary>
    Missing,
}

/// <summary>One mutation of a sample, with the random choices it needs (so a case is plain data and prints).</summary>
internal sealed partial record FileMutation(FileMutationKind Kind, int Where, int What)
{
    private static readonly string[] HostileNumbers =
    {
        "-5", "-1", "0", "1000000000", "2147483648", "9223372036854775808", "18446744073709551616", "1e300", "-1e300",
        "0.5", "NaN", "\"7\"", "null", "true", "[]", "{}", "99999999999999999999999999999999",
    };

    private static readonly string[] EscapedControls = { "\\u001b[2J\\u001b]0;pwned\\u0007", "\\u0000", "\\r\\u001b[1A", "\\u0085\\u009b31m" };

    private static readonly byte[][] InvalidSequences =
    {
        new byte[] { 0xFF }, new byte[] { 0xC3, 0x28 }, new byte[] { 0xED, 0xA0, 0x80 }, new byte[] { 0xF8, 0x88, 0x80, 0x80, 0x80 },
        new byte[] { 0x80 }, new byte[] { 0xE2, 0x82 },
    };

    /// <summary>Writes the mutated <paramref name="sample"/> at <paramref name="path"/> (or a directory, or nothing).</summary>
    public void Materialise(byte[] sample, string path)
    {
        switch (Kind)
        {
            case FileMutationKind.Directory:
                System.IO.Directory.CreateDirectory(path);
                return;
            case FileMutationKind.Missing:
                return;
            default:
                File.WriteAllBytes(path, Apply(sample));
                return;
        }
    }

    /// <summary>The mutated bytes.</summary>
    public byte[] Apply(byte[] sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return Kind switch
        {
            FileMutationKind.None => sample,
            FileMutationKind.Truncate => sample[..Pick(sample.Length)],
            FileMutationKind.FlipByte when sample.Length > 0 => Replace(sample, Pick(sample.Length), 1, new[] { (byte)What }),
            FileMutationKind.InvalidUtf8 => InsertAfter(sample, (byte)'"', InvalidSequences[What % InvalidSequences.Length]),
            FileMutationKind.HostileNumber => ReplaceMatch(sample, Number(), HostileNumbers[What % HostileNumbers.Length]),
            FileMutationKind.DuplicateKey => DuplicateProperty(sample),
            FileMutationKind.JunkLine => InsertLine(sample),
            FileMutationKind.EscapedControl => InsertAfter(sample, (byte)'"', Encoding.ASCII.GetBytes(EscapedControls[What % EscapedControls.Length])),
            FileMutationKind.RandomBytes => RandomBytes(),
            FileMutationKind.Empty => Array.Empty<byte>(),
            _ => sample,
        };
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind}(where {Where}, what {What})";

    private int Pick(int length) => length == 0 ? 0 : (int)((uint)Where % (uint)length);

    private static byte[] Replace(byte[] bytes, int at, int count, byte[] with) =>
        bytes[..at].Concat(with).Concat(bytes[Math.Min(bytes.Length, at + count)..]).ToArray();

    private byte[] InsertAfter(byte[] bytes, byte marker, byte[] insert)
    {
        var positions = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] == marker).ToArray();
        var at = positions.Length == 0 ? Pick(bytes.Length + 1) : positions[Pick(positions.Length)] + 1;
        return Replace(bytes, at, 0, insert);
    }

    private byte[] ReplaceMatch(byte[] bytes, Regex pattern, string with)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var matches = pattern.Matches(text);
        if (matches.Count == 0)
        {
            return bytes;
        }

        var m = matches[Pick(matches.Count)];
        return Encoding.UTF8.GetBytes(text[..m.Index] + with + text[(m.Index + m.Length)..]);
    }

    private byte[] DuplicateProperty(byte[] bytes)
    {
        // "name": value, -> "name": value, "name": <hostile or same value>,
        var text = Encoding.UTF8.GetString(bytes);
        var matches = Property().Matches(text);
        if (matches.Count == 0)
        {
            return bytes;
        }

        var m = matches[Pick(matches.Count)];
        var copy = $"\"{m.Groups[1].Value}\": {(What % 2 == 0 ? m.Groups[2].Value : HostileNumbers[What % HostileNumbers.Length])}, ";
        return Encoding.UTF8.GetBytes(text[..m.Index] + copy + text[m.Index..]);
    }

    private byte[] InsertLine(byte[] bytes)
    {
        var lines = Encoding.UTF8.GetString(bytes).Split('\n').ToList();
        var junk = (What % 3) switch
        {
            0 => "\u001b[31m*ERROR*\u001b[0m \u0007\u0000\u001b]0;title\u0007 rdma.c:1234:nvmf_rdma_poll: \u001b[2J",
            1 => lines.Count > 0 ? lines[Pick(lines.Count)] : string.Empty,
            _ => new string('x', 1 << 20),
        };
        lines.Insert(Pick(lines.Count + 1), junk);
        return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }

    private byte[] RandomBytes()
    {
        var random = new Random(Where);
        var bytes = new byte[1 + (What % 4096)];
        random.NextBytes(bytes);
        return bytes;
    }

    [GeneratedRegex(@"-?\b\d+(\.\d+)?([eE][+-]?\d+)?\b")]
    private static partial Regex Number();

    [GeneratedRegex("\"([A-Za-z_$][A-Za-z0-9_]*)\"\\s*:\\s*(\"[^\"\\\\]*\"|-?[0-9.eE+-]+|true|false|null)")]
    private static partial Regex Property();
}
