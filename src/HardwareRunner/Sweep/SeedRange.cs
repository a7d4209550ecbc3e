using System.Globalization;

namespace Harness.HardwareRunner.Sweep;

/// <summary>An inclusive range of seeds, <c>A..B</c> (or one seed, <c>N</c>), as <c>harness sweep --seeds</c> takes it.</summary>
public readonly record struct SeedRange(ulong First, ulong Last)
{
    /// <summary>Seeds one sweep may cover (a shard of a fleet-wide sweep still walks the whole range to pick its own).</summary>
    public const ulong SeedsMax = 1UL << 40;

    /// <summary>Number of seeds.</summary>
    public ulong Count => Last - First + 1;

    /// <summary>Parses <c>A..B</c> or <c>N</c>; null with <paramref name="problem"/> set when it is neither.</summary>
    public static SeedRange? TryParse(string text, out string? problem)
    {
        problem = null;
        var parts = text.Split("..", 2);
        if (!ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var a) ||
            (parts.Length == 2 && !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            problem = $"--seeds {text}: expected A..B (two seeds, inclusive) or one seed N";
            return null;
        }

        var b = parts.Length == 2 ? ulong.Parse(parts[1], CultureInfo.InvariantCulture) : a;
        if (b < a)
        {
            problem = $"--seeds {text}: the range ends before it starts";
            return null;
        }

        if (b - a >= SeedsMax)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"--seeds {text}: more than {SeedsMax} seeds");
            return null;
        }

        return new SeedRange(a, b);
    }

    /// <inheritdoc/>
    public override string ToString() => First == Last ? First.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{First}..{Last}");
}
