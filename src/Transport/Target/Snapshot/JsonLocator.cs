using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Harness.Transport.Target.Snapshot;

/// <summary>
/// Finds the line of a JSON path (<c>$.poll_groups[0].pollers[0].qpairs[1].state</c>) in a document, so that an error
/// found after parsing still names the line, as a parse error does.
/// </summary>
public static class JsonLocator
{
    /// <summary>The 1-based line where <paramref name="path"/>'s property (or array element) starts, or 0 when not found.</summary>
    public static int LineOf(ReadOnlySpan<byte> json, string path)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var frames = new List<Frame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        frames[^1].Name = reader.GetString();
                        if (PathOf(frames) == path)
                        {
                            return Line(json, reader.TokenStartIndex);
                        }

                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        if (Value(frames) == path)
                        {
                            return Line(json, reader.TokenStartIndex);
                        }

                        frames.Add(new Frame { IsArray = reader.TokenType == JsonTokenType.StartArray });
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    default:
                        if (Value(frames) == path)
                        {
                            return Line(json, reader.TokenStartIndex);
                        }

                        break;
                }
            }
        }
        catch (JsonException)
        {
            return 0;
        }

        return 0;
    }

    /// <summary>A value starts: in an array it is the next element. Returns its path.</summary>
    private static string Value(List<Frame> frames)
    {
        if (frames.Count > 0 && frames[^1].IsArray)
        {
            frames[^1].Index++;
        }

        return PathOf(frames);
    }

    private static string PathOf(List<Frame> frames)
    {
        var sb = new StringBuilder("$");
        foreach (var f in frames)
        {
            if (f.IsArray)
            {
                sb.Append('[').Append(f.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else if (f.Name != null)
            {
                sb.Append('.').Append(f.Name);
            }
        }

        return sb.ToString();
    }

    private static int Line(ReadOnlySpan<byte> json, long offset)
    {
        var line = 1;
        foreach (var b in json[..(int)offset])
        {
            line += b == (byte)'\n' ? 1 : 0;
        }

        return line;
    }

    private sealed class Frame
    {
        public bool IsArray { get; init; }

        public int Index { get; set; } = -1;

        public string? Name { get; set; }
    }
}
