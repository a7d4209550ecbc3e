using System.Globalization;
using System.Text;

namespace Harness.Sim.Files;

/// <summary>
/// Text that came from a user's file (a log line, a field value, a file name) made safe to print: control characters
/// (ESC, NUL, CR, DEL, the C1 range) and the invisible format characters that reorder or hide text on a terminal
/// (bidirectional overrides, zero-width characters, line separators) are written as escapes (<c>\x1b</c>,
/// <c>\u202e</c>), so such text can neither drive the terminal nor break a one-line message into several.
/// </summary>
public static class PrintableText
{
    /// <summary><paramref name="text"/> with every unprintable character escaped; the text itself when there is none.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var first = FirstUnprintable(text);
        if (first < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[++i]); // a character outside the BMP: printable
            }
            else if (IsUnprintable(c))
            {
                Append(sb, c);
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>True when <paramref name="c"/> must not reach a terminal as it is (a lone surrogate included).</summary>
    public static bool IsUnprintable(char c) => char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate;

    private static int FirstUnprintable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (IsUnprintable(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static void Append(StringBuilder sb, char c)
    {
        switch (c)
        {
            case '\t': sb.Append("\\t"); break;
            case '\n': sb.Append("\\n"); break;
            case '\r': sb.Append("\\r"); break;
            default:
                sb.Append(c <= 0xff ? string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}") : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"));
                break;
        }
    }
}
