using System.Text.Json;
using System.Text.RegularExpressions;

namespace Harness.Transport.Target.Snapshot;

/// <summary>
/// A <see cref="JsonException"/> of the snapshot's deserializer in a person's words: without the location tail (the
/// reader names file, line and field itself) and without .NET type names ("must be a whole number", not
/// <c>System.Int32</c>; "unknown field", not a CLR type).
/// </summary>
internal static partial class SnapshotJsonProblem
{
    public static string Of(JsonException e)
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

        message = message.Trim();
        if (message.StartsWith("The input does not contain any JSON tokens", StringComparison.Ordinal))
        {
            return "empty: no JSON in it, not a snapshot";
        }

        if (Converted().Match(message) is { Success: true } c)
        {
            return "must be " + Expected(c.Groups["type"].Value);
        }

        if (Missing().Match(message) is { Success: true } m)
        {
            return "missing required field(s): " + m.Groups["names"].Value.TrimEnd('.');
        }

        if (Unmapped().Match(message) is { Success: true } u)
        {
            return $"unknown field '{u.Groups["name"].Value}'";
        }

        if (Duplicate().Match(message) is { Success: true } d)
        {
            return $"'{d.Groups["name"].Value}' appears twice (the later value would silently replace the earlier one)";
        }

        // The reader's own wording otherwise ("'x' is an invalid start of a value"), without a type name or its parameter names.
        return TypeName().Replace(message, "a value of another type").Replace(", when isFinalBlock is true", string.Empty, StringComparison.Ordinal);
    }

    /// <summary>What a value of CLR type <paramref name="type"/> looks like in the snapshot's JSON.</summary>
    private static string Expected(string type) => type switch
    {
        _ when type.StartsWith("System.Nullable`1[", StringComparison.Ordinal) => Expected(type["System.Nullable`1[".Length..^1]) + " or null",
        "System.Int32" => "a whole number from -2147483648 to 2147483647",
        "System.UInt32" => "a whole number from 0 to 4294967295",
        "System.Int64" => "a whole number",
        "System.Boolean" => "true or false",
        "System.String" => "a string",
        _ when type.Contains("IReadOnlyList", StringComparison.Ordinal) => "an array",
        _ when type.StartsWith("Harness.", StringComparison.Ordinal) => "an object",
        _ => "a value of another type",
    };

    [GeneratedRegex(@"could not be converted to (?<type>\S+?)\.?$")]
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
