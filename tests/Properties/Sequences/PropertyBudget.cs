using System.Globalization;

namespace Harness.Tests.Properties.Sequences;

/// <summary>
/// How much the sequence properties do, from the environment so CI runs a modest number and a nightly job many:
/// <c>HARNESS_PROPERTY_CASES</c> (generated sequences per property), <c>HARNESS_POWER_SEEDS</c> (FsCheck seeds the
/// proof of power searches with) and <c>HARNESS_POWER_CASES_MAX</c> (sequences each seed may try before the test
/// fails for not finding the defect).
/// </summary>
public static class PropertyBudget
{
    public const int CasesDefault = 40;
    public const int PowerSeedsDefault = 20;
    public const int PowerCasesMaxDefault = 2000;

    public static int Cases => Read("HARNESS_PROPERTY_CASES", CasesDefault);

    public static int PowerSeeds => Read("HARNESS_POWER_SEEDS", PowerSeedsDefault);

    public static int PowerCasesMax => Read("HARNESS_POWER_CASES_MAX", PowerCasesMaxDefault);

    private static int Read(string name, int fallback)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
            ? n
            : throw new ArgumentException($"{name}={text}: must be a positive whole number");
    }
}
