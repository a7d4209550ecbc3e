using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// Numeric options whose parse errors name the option, the value typed and what it must be
/// (<c>--ios abc: must be a whole number in 1..2147483647</c>), where System.CommandLine's own say "Cannot parse
/// argument 'abc' for option '--ios' as expected type 'System.Int32'" (or <c>System.Nullable`1[System.Double]</c>).
/// The ranges that depend on other options are checked after parsing, in the same words.
/// </summary>
internal static class NumberOption
{
    /// <summary>A whole number option; <paramref name="range"/> is what it must be, as the error says it (e.g. "1..127").</summary>
    public static Option<int> Int(string name, string helpName, string description, int defaultValue, string range) =>
        Parsed(new Option<int>(name) { HelpName = helpName, Description = description, DefaultValueFactory = _ => defaultValue },
            "a whole number in " + range, t => (int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v), v));

    /// <summary>An optional whole number option (null when not given).</summary>
    public static Option<int?> OptionalInt(string name, string helpName, string description, string range) =>
        Parsed(new Option<int?>(name) { HelpName = helpName, Description = description },
            "a whole number in " + range, t => (int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v), (int?)v));

    /// <summary>An unsigned 64-bit option (seeds).</summary>
    public static Option<ulong> ULong(string name, string helpName, string description, ulong defaultValue) =>
        Parsed(new Option<ulong>(name) { HelpName = helpName, Description = description, DefaultValueFactory = _ => defaultValue },
            string.Create(CultureInfo.InvariantCulture, $"a whole number in 0..{ulong.MaxValue}"),
            t => (ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v), v));

    /// <summary>A number option; <paramref name="what"/> is what it must be (e.g. "a fraction of reads in 0..1").</summary>
    public static Option<double> Double(string name, string helpName, string description, double defaultValue, string what) =>
        Parsed(new Option<double>(name) { HelpName = helpName, Description = description, DefaultValueFactory = _ => defaultValue },
            what, ParseDouble);

    /// <summary>An optional number option (null when not given).</summary>
    public static Option<double?> OptionalDouble(string name, string helpName, string description, string what) =>
        Parsed(new Option<double?>(name) { HelpName = helpName, Description = description }, what, t => { var (ok, v) = ParseDouble(t); return (ok, (double?)v); });

    private static (bool Ok, double Value) ParseDouble(string t) =>
        (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v), v);

    private static Option<T> Parsed<T>(Option<T> option, string what, Func<string, (bool Ok, T Value)> parse)
    {
        option.CustomParser = result =>
        {
            var token = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
            var (ok, value) = parse(token);
            if (ok)
            {
                return value;
            }

            result.AddError($"{option.Name} {token}: must be {what}");
            return default;
        };
        return option;
    }
}
