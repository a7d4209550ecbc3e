using System.Text;
using System.Text.Json;

namespace Harness.Sim.Scenarios;

/// <summary>
/// Where each value of a JSON document starts: a map from JSON Pointer (<c>/commands/2/blocks</c>) to its 1-based
/// line, built with one pass of <see cref="Utf8JsonReader"/> (which knows byte offsets but not lines).
/// </summary>
public sealed class JsonLineMap
{
    /// <summary>Nesting the map follows (deeper documents are rejected by the parser first).</summary>
    public const int DepthMax = 64;

    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    private JsonLineMap()
    {
    }

    /// <summary>Maps <paramref name="utf8"/>, which must be well-formed JSON (comments allowed).</summary>
    public static JsonLineMap Build(ReadOnlySpan<byte> utf8)
    {
        var map = new JsonLineMap();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = DepthMax });
        var path = new List<string>();
        var arrayIndex = new Stack<int>();
        var inArray = new Stack<bool>();
        var line = 1;
        var scanned = 0;
        string? pendingName = null;
        while (reader.Read())
        {
            var start = (int)reader.TokenStartIndex;
            line += CountNewlines(utf8[scanned..start]);
            scanned = start;
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                pendingName = Escape(reader.GetString()!);
                continue;
            }

            if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                inArray.Pop();
                arrayIndex.Pop();
                if (path.Count > 0)
                {
                    path.RemoveAt(path.Count - 1);
                }

                continue;
            }

            var segment = ValueSegment(inArray, arrayIndex, ref pendingName);
            if (segment != null)
            {
                path.Add(segment);
            }

            map._lines.TryAdd(Pointer(path), line);
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                inArray.Push(reader.TokenType == JsonTokenType.StartArray);
                arrayIndex.Push(0);
            }
            else if (segment != null)
            {
                path.RemoveAt(path.Count - 1);
            }
        }

        return map;
    }

    /// <summary>The line of the value at <paramref name="pointer"/>, or of its nearest mapped ancestor (1 at worst).</summary>
    public int LineOf(string pointer)
    {
        for (var p = pointer; ; p = p[..p.LastIndexOf('/')])
        {
            if (_lines.TryGetValue(p, out var line))
            {
                return line;
            }

            if (p.Length == 0)
            {
                return 1;
            }
        }
    }

    /// <summary><c>/commands/2/blocks</c> → <c>commands[2].blocks</c>; the root → <c>(document)</c>.</summary>
    public static string FieldName(string pointer)
    {
        if (pointer.Length == 0)
        {
            return "(document)";
        }

        var sb = new StringBuilder();
        foreach (var raw in pointer[1..].Split('/'))
        {
            var part = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (part.Length > 0 && part.All(char.IsAsciiDigit))
            {
                sb.Append('[').Append(part).Append(']');
            }
            else
            {
                sb.Append(sb.Length == 0 ? string.Empty : ".").Append(part);
            }
        }

        return sb.ToString();
    }

    /// <summary>Escapes one pointer segment (RFC 6901).</summary>
    public static string Escape(string segment) => segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string? ValueSegment(Stack<bool> inArray, Stack<int> arrayIndex, ref string? pendingName)
    {
        if (inArray.Count == 0)
        {
            return null; // the root value
        }

        if (inArray.Peek())
        {
            var i = arrayIndex.Pop();
            arrayIndex.Push(i + 1);
            return i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var name = pendingName;
        pendingName = null;
        return name;
    }

    private static string Pointer(List<string> path) => path.Count == 0 ? string.Empty : "/" + string.Join('/', path);

    private static int CountNewlines(ReadOnlySpan<byte> bytes)
    {
        var n = 0;
        foreach (var b in bytes)
        {
            n += b == (byte)'\n' ? 1 : 0;
        }

        return n;
    }
}
