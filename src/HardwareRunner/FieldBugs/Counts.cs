using System.Globalization;

namespace Harness.HardwareRunner.FieldBugs;

/// <summary>How the importers print a count that a named limit may have capped: it says so, and how many there are.</summary>
public static class Counts
{
    /// <summary>
    /// <c>10000</c> when nothing was left out, else <c>10000 (capped; the log has 50000)</c>; <paramref name="whole"/>
    /// names what holds all of them (<c>the log has</c>).
    /// </summary>
    public static string Capped(long kept, long total, string whole) => total > kept
        ? string.Create(CultureInfo.InvariantCulture, $"{kept} (capped; {whole} {total})")
        : kept.ToString(CultureInfo.InvariantCulture);
}
