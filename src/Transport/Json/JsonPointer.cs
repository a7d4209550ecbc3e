using System.Text;

namespace Harness.Transport.Json;

/// <summary>
/// JSON Pointers (RFC 6901, <c>/poll_groups/0/state</c>), by which the readers of JSON files locate a value (its line,
/// its field's name, its type), made from the paths System.Text.Json puts in its exceptions
/// (<c>$.poll_groups[0].state</c>): one conversion for every reader, so that they agree on where a value is.
/// </summary>
public static class JsonPointer
{
    /// <summary>
    /// The pointer of a System.Text.Json path: <c>$.poll_groups[0]['a.b']</c> → <c>/poll_groups/0/a.b</c>; the
    /// document's own (empty) pointer for null, empty or <c>$</c>.
    /// </summary>
    public static string FromPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return string.Empty;
        }

        var sb = new StringBuilder();
        var i = path[0] == '$' ? 1 : 0;
        while (i < path.Length)
        {
            string segment;
            if (path.AsSpan(i).StartsWith("['"))
            {
                // A name with a dot, a bracket, a space…, quoted as it is (.NET 10 escapes nothing inside the quotes),
                // so it ends at the first "']" that is followed by the next segment or the end.
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                while (end >= 0 && end + 2 < path.Length && path[end + 2] is not ('.' or '['))
                {
                    end = path.IndexOf("']", end + 1, StringComparison.Ordinal);
                }

                end = end < 0 ? path.Length : end;
                segment = path[(i + 2)..end];
                i = Math.Min(end + 2, path.Length);
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                end = end < 0 ? path.Length : end;
                segment = path[(i + 1)..end];
                i = Math.Min(end + 1, path.Length);
            }
            else
            {
                var start = path[i] == '.' ? i + 1 : i;
                var end = path.IndexOfAny(['.', '['], start);
                end = end < 0 ? path.Length : end;
                segment = path[start..end];
                i = end;
            }

            sb.Append('/').Append(Escape(segment));
        }

        return sb.ToString();
    }

    /// <summary>One property name or index as a pointer segment (<c>~</c> → <c>~0</c>, <c>/</c> → <c>~1</c>).</summary>
    public static string Escape(string segment) => segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    /// <summary>The property name or index a pointer segment stands for (the inverse of <see cref="Escape"/>).</summary>
    public static string Unescape(string segment) => segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
}
