using System.Text;
using System.Text.Json;
using Harness.Transport.Json;

namespace Harness.Sim.Scenarios;

/// <summary>
/// Where each value of a JSON document starts: a map from JSON Pointer (<c>/commands/2/blocks</c>) to its 1-based
/// line, built with one pass of <see cref="Utf8JsonReader"/> (which knows byte offsets but not lines). The same pass
/// finds the first property an object repeats (<see cref="Duplicate"/>), since <see cref="JsonDocument"/> rejects
/// one without saying where.
/// </summary>
public sealed class JsonLineMap
{
    /// <summary>Nesting the map follows (deeper documents are rejected by the parser first).</summary>
    public const int DepthMax = 64;

    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    private JsonLineMap()
    {
    }

    /// <summary>
    /// The first property that appears twice in one object: its pointer, the line of the second occurrence and the line
    /// of the first; null when every object's property names are distinct.
    /// </summary>
    public (string Pointer, int Line, int FirstLine)? Duplicate { get; private set; }

    /// <summary>Maps <paramref name="utf8"/>, which must be well-formed JSON (comments allowed).</summary>
    /// <exception cref="JsonException">The text is not well-formed JSON (the message says where).</exception>
    public static JsonLineMap Build(ReadOnlySpan<byte> utf8)
    {
        var map = new JsonLineMap();
        Walk(utf8, (token, pointer, line, _, _) =>
        {
            if (token != JsonTokenType.PropertyName)
            {
                map._lines.TryAdd(pointer, line);
            }
            else if (map.Duplicate == null && map._lines.TryGetValue(pointer, out var first))
            {
                // A property's value is mapped before the next name is read, so a name whose pointer is mapped repeats one.
                map.Duplicate = (pointer, line, first);
            }

            return true;
        });
        return map;
    }

    /// <summary>
    /// The pointer of the property name or string value whose bytes include <paramref name="offset"/> (where an invalid
    /// UTF-8 byte is, for example), or null when no field holds it (a comment, or JSON that breaks before it).
    /// </summary>
    public static string? PointerAt(ReadOnlySpan<byte> utf8, long offset)
    {
        string? found = null;
        try
        {
            Walk(utf8, (token, pointer, _, start, end) =>
            {
                if (token is JsonTokenType.PropertyName or JsonTokenType.String && offset >= start && offset < end)
                {
                    // A name that cannot be decoded cannot be printed either: its object is the field to name.
                    found = token == JsonTokenType.PropertyName ? pointer[..pointer.LastIndexOf('/')] : pointer;
                    return false;
                }

                return start <= offset;
            });
        }
        catch (JsonException)
        {
            // the document breaks before the offset: no field to name
        }

        return found;
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
            var part = JsonPointer.Unescape(raw);
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
    public static string Escape(string segment) => JsonPointer.Escape(segment);

    /// <summary>
    /// Reads <paramref name="utf8"/> token by token and tells <paramref name="visit"/> each value and each property
    /// name with its pointer (for a name, the pointer of its value), line and byte range, until it returns false.
    /// Names are read leniently (invalid UTF-8 is replaced), so the walk can locate a bad byte.
    /// </summary>
    private static void Walk(ReadOnlySpan<byte> utf8, Func<JsonTokenType, string, int, long, long, bool> visit)
    {
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
                pendingName = Escape(Name(ref reader));
                var named = Pointer(path) + "/" + pendingName;
                if (!visit(JsonTokenType.PropertyName, named, line, start, reader.BytesConsumed))
                {
                    return;
                }

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

            if (!visit(reader.TokenType, Pointer(path), line, start, reader.BytesConsumed))
            {
                return;
            }

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
    }

    /// <summary>The property name, unescaped; its raw bytes with invalid UTF-8 replaced when it cannot be decoded.</summary>
    private static string Name(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return Encoding.UTF8.GetString(reader.ValueSpan);
        }
    }

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
