using System.Globalization;

namespace Harness.Tests.Properties.Sequences;

/// <summary>
/// How much the properties do, from the environment so CI runs a fixed, modest number and a nightly job many:
/// <c>HARNESS_PROPERTY_SCALE</c> (multiplies the case count of every FsCheck property, default 1),
/// <c>HARNESS_PROPERTY_CASES</c> (generated sequences per sequence property, default 40 × the scale),
/// <c>HARNESS_POWER_SEEDS</c> (FsCheck seeds the proof of power searches with) and <c>HARNESS_POWER_CASES_MAX</c>
/// (sequences each seed may try before the test fails for not finding the defect). The seed they start from is
/// <see cref="Support.PropertySeed"/>.
/// </summary>
public static class PropertyBudget
{
    public const int CasesDefault = 40;
    public const int PowerSeedsDefault = 20;
    public const int PowerCasesMaxDefault = 2000;

    public const int ScaleDefault = 1;

    /// <summary>Largest scale (a nightly run at 1000× is days; beyond that a typo, not a budget).</summary>
    public const int ScaleMax = 1000;

    public static int Scale => Math.Min(Read("HARNESS_PROPERTY_SCALE", ScaleDefault), ScaleMax);

    public static int Cases => Read("HARNESS_PROPERTY_CASES", Scaled(CasesDefault));

    /// <summary><paramref name="cases"/> (a property's CI budget) times <see cref="Scale"/>.</summary>
    public static int Scaled(int cases) => checked(cases * Scale);

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
