using System.Globalization;
using Harness.Sim.Coverage;

namespace Harness.HardwareRunner.Sweep;

/// <summary>
/// What <c>harness coverage merge</c> warns about the parts it adds: files of different sweeps (their counts are added
/// anyway: merging two configurations on purpose is allowed), a shard given twice (its seeds are counted twice) and, per
/// sweep, the shards of N that no file holds (the sum is of part of the sweep). Warnings, not errors: the merge is still
/// a correct sum of what was given.
/// </summary>
public static class CoverageShards
{
    /// <summary>Missing shards listed by number at most; more are counted.</summary>
    public const int MissingListedMax = 20;

    /// <summary>The warnings about <paramref name="files"/> (in their order), each one line without a prefix; none when they are exactly the shards of one sweep.</summary>
    public static IReadOnlyList<string> Warnings(IReadOnlyList<CoverageFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var parts = files.SelectMany(f => f.Sources.Select(s => (f.File, Source: s))).ToList();
        var sweeps = parts.GroupBy(p => p.Source.Sweep, StringComparer.Ordinal).ToList();
        var warnings = new List<string>();
        if (sweeps.Count > 1)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"the files hold {sweeps.Count} different sweeps, whose counts are added: {string.Join("; ", sweeps.Select(g => $"{g.Key} ({Files(g)})"))}"));
        }

        foreach (var sweep in sweeps)
        {
            warnings.AddRange(Overlaps(sweep));
            if (Missing(sweep) is { } missing)
            {
                warnings.Add(missing);
            }
        }

        return warnings;
    }

    private static IEnumerable<string> Overlaps(IGrouping<string, (string File, CoverageSource Source)> sweep) =>
        sweep.GroupBy(p => p.Source.ShardIndex).Where(g => g.Count() > 1).OrderBy(g => g.Key).Select(g =>
            $"shard {g.First().Source.Shard} of {g.First().Source.Sweep} is in more than one file ({string.Join(", ", g.Select(p => p.File))}): its seeds are counted {g.Count()} times");

    private static string? Missing(IGrouping<string, (string File, CoverageSource Source)> sweep)
    {
        var count = sweep.First().Source.ShardCount;
        var present = sweep.Select(p => p.Source.ShardIndex).ToHashSet();
        var missing = count - present.Count;
        if (missing == 0)
        {
            return null;
        }

        var listed = Enumerable.Range(1, count).Where(i => !present.Contains(i)).Take(MissingListedMax).Select(i => i.ToString(CultureInfo.InvariantCulture));
        var more = missing > MissingListedMax ? string.Create(CultureInfo.InvariantCulture, $", … ({missing} in all)") : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"shard(s) {string.Join(", ", listed)}{more} of {count} missing ({sweep.Key}): the merged coverage is of part of the sweep");
    }

    private static string Files(IEnumerable<(string File, CoverageSource Source)> parts) => string.Join(", ", parts.Select(p => p.File).Distinct(StringComparer.Ordinal));
}
