using System.Text.Json;
using System.Text.RegularExpressions;

namespace Harness.Transport.Target.Snapshot;

/// <summary>
/// A <see cref="JsonException"/> of the snapshot's deserializer in a person's words, for the kinds of problem that are
/// about the document's shape (no JSON at all, a required field missing, an unknown or repeated field): without the
/// location tail (the reader names file, line and field itself) and without .NET type names. A value the deserializer
/// could not convert (<see cref="IsUnconvertibleValue"/>) is a question about its field's type instead, which
/// <see cref="Json.JsonExpectedValue"/> answers for the reader from the document.
/// </summary>
internal static partial class SnapshotJsonProblem
{
    /// <summary>Whether <paramref name="e"/> is System.Text.Json's "The JSON value could not be converted to …".</summary>
    public static bool IsUnconvertibleValue(JsonException e) => Converted().IsMatch(Sentence(e));

    /// <summary>The problem <paramref name="e"/> reports, said without .NET's names.</summary>
    public static string Of(JsonException e)
    {
        var message = Sentence(e);
        if (message.StartsWith("The input does not contain any JSON tokens", StringComparison.Ordinal))
        {
            return "empty: no JSON in it, not a snapshot";
        }

        if (Missing().Match(message) is { Success: true } m)
        {
            return "missing required field(s): " + m.Groups["names"].Value.TrimEnd('.');
        }

        if (Unmapped().Match(message) is { Success: true } u)
        {
            return $"unknown field '{u.Groups["name"].Value}'";
        }

        if (message.Contains("doesn't allow setting null values", StringComparison.Ordinal))
        {
            return "null: this field must have a value";
        }

        if (Duplicate().Match(message) is { Success: true } d)
        {
            return $"'{d.Groups["name"].Value}' appears twice (the later value would silently replace the earlier one)";
        }

        // The reader's own wording otherwise ("'x' is an invalid start of a value"), without a type name or its parameter names.
        return TypeName().Replace(message, "a value of another type").Replace(", when isFinalBlock is true", string.Empty, StringComparison.Ordinal);
    }

    /// <summary>The exception's message without its location tail (<c> Path: … | LineNumber: …</c>).</summary>
    private static string Sentence(JsonException e)
    {
        var message = e.Message;
        foreach (var tail in new[] { " Path:", " LineNumber:" })
        {
            var cut = message.IndexOf(tail, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }

        return message.Trim();
    }

    [GeneratedRegex(@"could not be converted to \S+?\.?$")]
    private static partial Regex Converted();

    [GeneratedRegex(@"missing required properties including: (?<names>.*)$")]
    private static partial Regex Missing();

    [GeneratedRegex(@"^The JSON property '(?<name>.*)' could not be mapped")]
    private static partial Regex Unmapped();

    [GeneratedRegex(@"^Duplicate property '(?<name>.*)' encountered")]
    private static partial Regex Duplicate();

    [GeneratedRegex(@"'?(?:System|Harness)\.[A-Za-z0-9_.`\[\], ]+'?")]
    private static partial Regex TypeName();
}
