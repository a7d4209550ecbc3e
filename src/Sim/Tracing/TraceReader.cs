using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Harness.Sim.Files;

namespace Harness.Sim.Tracing;

/// <summary>
/// Reads a JSONL trace written by <see cref="Trace"/> (<c>harness run --trace FILE</c>) back into records. Strict: a
/// line that is not UTF-8 or not a JSON object, a duplicated, unknown or missing field, a field of the wrong type, a
/// negative time or an unknown event kind is a <see cref="TraceFormatException"/> naming the file, the line and the
/// field. Lines are read as bytes, at most <see cref="LineBytesMax"/> each, so binary input is refused at its first
/// bad line without ever being held whole.
/// </summary>
public static class TraceReader
{
    /// <summary>Longest line accepted (a trace line is well under 1 KiB; anything longer is not a trace).</summary>
    public const int LineBytesMax = 1 << 20;

    /// <summary>Records one trace may hold.</summary>
    public const int RecordsMax = 50_000_000;

    /// <summary>JSON nesting a trace line may have (one object of scalars; a little room so a nested value is named as a wrong type).</summary>
    public const int LineDepthMax = 4;

    private const int ReadBufferBytes = 1 << 16;

    private static readonly Dictionary<string, TraceKind> Kinds = Enum.GetValues<TraceKind>().ToDictionary(k => k.ToName(), k => k, StringComparer.Ordinal);

    /// <summary>Reads every record of the file at <paramref name="path"/>.</summary>
    /// <exception cref="InputFileException">The file cannot be read (missing, a directory, permission).</exception>
    /// <exception cref="TraceFormatException">The file is not a trace.</exception>
    public static List<TraceRecord> ReadFile(string path)
    {
        using var stream = InputFile.OpenRead(path, "trace");
        return Read(stream, path);
    }

    /// <summary>Reads every record of <paramref name="stream"/>; <paramref name="name"/> is used in error messages.</summary>
    public static List<TraceRecord> Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var records = new List<TraceRecord>();
        var line = new ArrayBufferWriter<byte>(256);
        var buffer = new byte[ReadBufferBytes];
        var lineNumber = 0;
        var tooLong = false;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            var span = buffer.AsSpan(0, read);
            while (!span.IsEmpty)
            {
                var end = span.IndexOf((byte)'\n');
                var part = end < 0 ? span : span[..end];
                tooLong |= line.WrittenCount + part.Length > LineBytesMax;
                if (!tooLong)
                {
                    line.Write(part);
                }

                if (end < 0)
                {
                    break;
                }

                Line(line.WrittenSpan, tooLong, name, ++lineNumber, records);
                line.ResetWrittenCount();
                tooLong = false;
                span = span[(end + 1)..];
            }
        }

        if (line.WrittenCount > 0 || tooLong)
        {
            Line(line.WrittenSpan, tooLong, name, ++lineNumber, records);
        }

        return records;
    }

    /// <summary>Parses one JSONL line.</summary>
    public static TraceRecord ParseLine(string line, string name, int lineNumber) => ParseLine(Encoding.UTF8.GetBytes(line), name, lineNumber);

    private static void Line(ReadOnlySpan<byte> bytes, bool tooLong, string name, int lineNumber, List<TraceRecord> records)
    {
        if (tooLong)
        {
            throw new TraceFormatException(name, lineNumber, null, string.Create(CultureInfo.InvariantCulture, $"line longer than {LineBytesMax} bytes"));
        }

        if (!bytes.IsEmpty && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        if (bytes.IsEmpty)
        {
            return;
        }

        if (records.Count >= RecordsMax)
        {
            throw new TraceFormatException(name, lineNumber, null, string.Create(CultureInfo.InvariantCulture, $"more than {RecordsMax} records"));
        }

        if (InputFile.Utf8Problem(bytes, out _) is { } problem)
        {
            // The problem is found in this one line: its "line 1" is the file's line already named.
            throw new TraceFormatException(name, lineNumber, null, problem.Replace(" at line 1,", " at", StringComparison.Ordinal));
        }

        records.Add(ParseLine(bytes.ToArray(), name, lineNumber));
    }

    private static TraceRecord ParseLine(byte[] utf8, string name, int lineNumber)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8, InputFile.JsonOptions(LineDepthMax));
        }
        catch (JsonException e)
        {
            var column = e.BytePositionInLine is long b ? string.Create(CultureInfo.InvariantCulture, $" (column {b + 1})") : string.Empty;
            throw new TraceFormatException(name, lineNumber, null, $"not JSON: {InputFile.JsonProblem(e)}{column}");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new TraceFormatException(name, lineNumber, null, "a trace line must be a JSON object");
            }

            var record = new TraceRecord { Node = string.Empty };
            var seen = 0;
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                seen |= Assign(ref record, property, name, lineNumber);
            }

            Require(seen, 1, "t", name, lineNumber);
            Require(seen, 2, "ev", name, lineNumber);
            Require(seen, 4, "node", name, lineNumber);
            return record;
        }
    }

    /// <summary>Sets one field; returns a bit for the required fields (t, ev, node).</summary>
    private static int Assign(ref TraceRecord r, JsonProperty p, string name, int line)
    {
        switch (p.Name)
        {
            case "t": r.TimeNs = Time(p, name, line); return 1;
            case "ev": r.Kind = Kind(p, name, line); return 2;
            case "node": r.Node = Text(p, name, line); return 4;
            case "qp": r.Qp = checked((uint)UInt64(p, name, line, uint.MaxValue)); return 0;
            case "wr_id": r.WrId = UInt64(p, name, line, ulong.MaxValue); return 0;
            case "op": r.Op = Text(p, name, line); return 0;
            case "status": r.Status = Text(p, name, line); return 0;
            case "len": r.Length = UInt64(p, name, line, ulong.MaxValue); return 0;
            case "arg": r.Arg = Int64(p, name, line); return 0;
            case "text": r.Text = Text(p, name, line); return 0;
            case "thread": r.Thread = Text(p, name, line); return 0;
            default: throw new TraceFormatException(name, line, p.Name, "unknown field");
        }
    }

    private static void Require(int seen, int bit, string field, string name, int line)
    {
        if ((seen & bit) == 0)
        {
            throw new TraceFormatException(name, line, field, "missing");
        }
    }

    private static TraceKind Kind(JsonProperty p, string name, int line)
    {
        var text = Text(p, name, line);
        return Kinds.TryGetValue(text, out var kind)
            ? kind
            : throw new TraceFormatException(name, line, p.Name, $"unknown event kind '{text}' (known: {string.Join(", ", Kinds.Keys)})");
    }

    /// <summary>Virtual time in ns since the run started: never negative.</summary>
    private static long Time(JsonProperty p, string name, int line)
    {
        var t = Int64(p, name, line);
        return t >= 0 ? t : throw new TraceFormatException(name, line, p.Name, string.Create(CultureInfo.InvariantCulture, $"{t}: a time in ns since the run started cannot be negative"));
    }

    private static string Text(JsonProperty p, string name, int line) =>
        p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw new TraceFormatException(name, line, p.Name, $"must be a string, not {Describe(p.Value)}");

    private static long Int64(JsonProperty p, string name, int line) =>
        p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out var v)
            ? v
            : throw new TraceFormatException(name, line, p.Name, $"must be a 64-bit integer, not {Describe(p.Value)}");

    private static ulong UInt64(JsonProperty p, string name, int line, ulong max) =>
        p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetUInt64(out var v) && v <= max
            ? v
            : throw new TraceFormatException(name, line, p.Name, string.Create(CultureInfo.InvariantCulture, $"must be an unsigned integer at most {max}, not {Describe(p.Value)}"));

    /// <summary>A wrong value as the message shows it: a scalar as written, a container by its kind.</summary>
    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => value.GetRawText(),
    };
}
