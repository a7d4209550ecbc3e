using System.Globalization;
using System.Security.Cryptography;
using FsCheck;
using Microsoft.FSharp.Core;

namespace Harness.Tests.Properties.Support;

/// <summary>
/// The one seed every FsCheck property of this suite starts from, so that the same commit gives the same verdict on
/// every run (DESIGN.md, "Deterministic CI"). <c>HARNESS_PROPERTY_SEED</c> chooses it: unset, the fixed
/// <see cref="Default"/>; <c>random</c>, a fresh seed drawn once per test process and printed (the nightly,
/// exploratory mode); or a replay string as FsCheck prints it, <c>(SEED,GAMMA)</c>, or <c>(SEED,GAMMA,SIZE)</c> for
/// "replay directly at failing step", to rerun a failure.
/// </summary>
public static class PropertySeed
{
    /// <summary>The environment variable.</summary>
    public const string Variable = "HARNESS_PROPERTY_SEED";

    /// <summary>CI's seed (a date; any value would do, as long as it never changes by itself).</summary>
    public static readonly (ulong Seed, ulong Gamma) Default = (20261206, 1207);

    private static readonly Lazy<(ulong Seed, ulong Gamma, int? Size, string? Problem)> Chosen = new(Choose);

    /// <summary>The seed in effect, as FsCheck's replay string <c>(SEED,GAMMA)</c>.</summary>
    public static string ReplayText => Format(Chosen.Value.Seed, Chosen.Value.Gamma, Chosen.Value.Size);

    /// <summary>The seed in effect, as FsCheck's <see cref="Replay"/>.</summary>
    public static FSharpOption<Replay> Replay => FSharpOption<Replay>.Some(new Replay(new Rnd(Chosen.Value.Seed, Chosen.Value.Gamma), Chosen.Value.Size is { } size ? FSharpOption<int>.Some(size) : FSharpOption<int>.None));

    /// <summary>The first 64 bits of the seed, for tests that derive their own seeds from it.</summary>
    public static ulong Value => Chosen.Value.Seed;

    /// <summary>True when the seed is CI's fixed one.</summary>
    public static bool IsDefault => (Chosen.Value.Seed, Chosen.Value.Gamma) == Default && Chosen.Value.Size == null;

    /// <summary>Null when <see cref="Variable"/> is valid (or unset), else what is wrong with it.</summary>
    public static string? Problem => Chosen.Value.Problem;

    /// <summary>How to rerun <paramref name="test"/> from this seed.</summary>
    public static string ReplayCommand(string test) =>
        $"{Variable}={ReplayText} dotnet test tests/Properties --filter \"FullyQualifiedName~{test}\"";

    /// <summary>
    /// Parses a value of <see cref="Variable"/>: <c>(S,G)</c>, <c>(S,G,SIZE)</c>, <c>S,G</c> or <c>S</c> (gamma then
    /// <see cref="Default"/>'s).
    /// </summary>
    public static bool TryParse(string text, out ulong seed, out ulong gamma, out int? size)
    {
        ArgumentNullException.ThrowIfNull(text);
        (seed, gamma, size) = (0, Default.Gamma, null);
        var parts = text.Trim().TrimStart('(').TrimEnd(')').Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > 3 || !ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out seed))
        {
            return false;
        }

        if (parts.Length >= 2 && !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out gamma))
        {
            return false;
        }

        if (parts.Length == 3)
        {
            if (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var s))
            {
                return false;
            }

            size = s;
        }

        return true;
    }

    private static (ulong, ulong, int?, string?) Choose()
    {
        var text = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return (Default.Seed, Default.Gamma, null, null);
        }

        if (string.Equals(text.Trim(), "random", StringComparison.OrdinalIgnoreCase))
        {
            // FsCheck's splittable generator wants an odd gamma. tools/test.sh draws and prints the seed itself; this
            // is for `dotnet test` run directly (the seed is then in every failure's message).
            var seed = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
            var gamma = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) | 1;
            Console.Error.WriteLine($"FsCheck properties: {Variable}=random drew {Format(seed, gamma, null)}");
            return (seed, gamma, null, null);
        }

        return TryParse(text, out var s, out var g, out var size)
            ? (s, g, size, null)
            : (Default.Seed, Default.Gamma, null, $"{Variable}={text}: not a seed (expected 'random', or FsCheck's replay string '(SEED,GAMMA)' or '(SEED,GAMMA,SIZE)' of whole numbers)");
    }

    private static string Format(ulong seed, ulong gamma, int? size) =>
        size is { } s ? FormattableString.Invariant($"({seed},{gamma},{s})") : FormattableString.Invariant($"({seed},{gamma})");
}
