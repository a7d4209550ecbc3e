using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Harness.Sim.Tracing;

/// <summary>
/// Reads a JSONL trace written by <see cref="Trace"/> (<c>harness run --trace FILE</c>) back into records. Strict: a
/// line that is not a JSON object, a field of the wrong type, an unknown field or event kind is a
/// <see cref="TraceFormatException"/> naming the file, the line and the field.
/// </summary>
public static class TraceReader
{
    /// <summary>Longest line accepted (a trace line is well under 1 KiB; anything longer is not a trace).</summary>
    public const int LineBytesMax = 1 << 20;

    /// <summary>Records one trace may hold.</summary>
    public const int RecordsMax = 50_000_000;

    private static readonly Dictionary<string, TraceKind> Kinds = Enum.GetValues<TraceKind>().ToDictionary(k => k.ToName(), k => k, StringComparer.Ordinal);

    /// <summary>Reads every record of the file at <paramref name="path"/>.</summary>
    public static List<TraceRecord> ReadFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, path);
    }

    /// <summary>Reads every record of <paramref name="stream"/>; <paramref name="name"/> is used in error messages.</summary>
    public static List<TraceRecord> Read(Stream stream, string name)
    {
        var records = new List<TraceRecord>();
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.Length > LineBytesMax)
            {
                throw new TraceFormatException(name, lineNumber, null, $"line longer than {LineBytesMax} characters");
            }

            if (records.Count >= RecordsMax)
            {
                throw new TraceFormatException(name, lineNumber, null, $"more than {RecordsMax} records");
            }

            records.Add(ParseLine(line, name, lineNumber));
        }

        return records;
    }

    /// <summary>Parses one JSONL line.</summary>
    public static TraceRecord ParseLine(string line, string name, int lineNumber)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new TraceFormatException(name, lineNumber, null, $"not JSON: {e.Message}");
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
            case "t": r.TimeNs = Int64(p, name, line); return 1;
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

    private static string Text(JsonProperty p, string name, int line) =>
        p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw new TraceFormatException(name, line, p.Name, $"must be a string, not {p.Value.ValueKind}");

    private static long Int64(JsonProperty p, string name, int line) =>
        p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out var v)
            ? v
            : throw new TraceFormatException(name, line, p.Name, $"must be a 64-bit integer, not {p.Value.GetRawText()}");

    private static ulong UInt64(JsonProperty p, string name, int line, ulong max) =>
        p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetUInt64(out var v) && v <= max
            ? v
            : throw new TraceFormatException(name, line, p.Name, string.Create(CultureInfo.InvariantCulture, $"must be an unsigned integer at most {max}, not {p.Value.GetRawText()}"));
}
