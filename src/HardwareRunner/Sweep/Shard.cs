using System.Globalization;

namespace Harness.HardwareRunner.Sweep;

/// <summary>
/// Which part of a sweep this process runs: shard <see cref="Index"/> (1-based, as <c>--shard 2/8</c>, Jest's and
/// Playwright's convention) of <see cref="Count"/>. Seeds are dealt round-robin (seed <c>A + k</c> goes to shard
/// <c>k mod N + 1</c>), so every shard gets a fair share of every part of the range and together they cover each seed
/// exactly once. Without <c>--shard</c> the index and count come from the environment: a Kubernetes Indexed Job
/// (<c>JOB_COMPLETION_INDEX</c>, 0-based, and <c>JOB_COMPLETIONS</c>), GitLab's parallel jobs (<c>CI_NODE_INDEX</c>,
/// 1-based, <c>CI_NODE_TOTAL</c>), CircleCI (<c>CIRCLE_NODE_INDEX</c>, 0-based, <c>CIRCLE_NODE_TOTAL</c>) or Buildkite
/// (<c>BUILDKITE_PARALLEL_JOB</c>, 0-based, <c>BUILDKITE_PARALLEL_JOB_COUNT</c>); else the whole range (1/1).
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>Shards one sweep may be split into.</summary>
    public const int CountMax = 1 << 20;

    /// <summary>The whole range.</summary>
    public static Shard All => new(1, 1);

    /// <summary>Where the shard came from (for the summary): <c>--shard</c>, an environment variable, or nothing.</summary>
    public string Source { get; init; } = "--shard";

    /// <summary>Environment variables read, with the base of the index they hold: (index, count, index base).</summary>
    public static IReadOnlyList<(string Index, string Count, int Base)> EnvironmentSources { get; } = new[]
    {
        ("JOB_COMPLETION_INDEX", "JOB_COMPLETIONS", 0),
        ("CI_NODE_INDEX", "CI_NODE_TOTAL", 1),
        ("CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", 0),
        ("BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", 0),
    };

    /// <summary>True when <paramref name="seed"/> of <paramref name="range"/> belongs to this shard.</summary>
    public bool Owns(SeedRange range, ulong seed) => seed >= range.First && seed <= range.Last && (int)((seed - range.First) % (ulong)Count) == Index - 1;

    /// <summary>This shard's seeds of <paramref name="range"/>, in order.</summary>
    public IEnumerable<ulong> Seeds(SeedRange range)
    {
        for (var seed = range.First + (ulong)(Index - 1); seed <= range.Last && seed >= range.First; seed += (ulong)Count)
        {
            yield return seed;
            if (ulong.MaxValue - seed < (ulong)Count)
            {
                yield break;
            }
        }
    }

    /// <summary>How many seeds of <paramref name="range"/> this shard runs.</summary>
    public ulong SeedCount(SeedRange range) =>
        range.Count < (ulong)Index ? 0 : ((range.Count - (ulong)Index) / (ulong)Count) + 1;

    /// <summary>Parses <c>I/N</c> (1 ≤ I ≤ N).</summary>
    public static Shard? TryParse(string text, out string? problem)
    {
        problem = null;
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i) ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            problem = $"--shard {text}: expected I/N (shard I of N, 1-based)";
            return null;
        }

        if (n < 1 || n > CountMax || i < 1 || i > n)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"--shard {text}: needs 1 <= I <= N <= {CountMax}");
            return null;
        }

        return new Shard(i, n);
    }

    /// <summary>The shard the environment gives (see the type's remarks), <see cref="All"/> when none does; a malformed pair is a problem.</summary>
    public static Shard? FromEnvironment(Func<string, string?> getenv, out string? problem)
    {
        problem = null;
        foreach (var (indexName, countName, indexBase) in EnvironmentSources)
        {
            var index = getenv(indexName);
            var count = getenv(countName);
            if (string.IsNullOrEmpty(index) && string.IsNullOrEmpty(count))
            {
                continue;
            }

            if (!int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var i) || !int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ||
                n < 1 || n > CountMax || i - indexBase < 0 || i - indexBase >= n)
            {
                problem = $"{indexName}={index} {countName}={count}: not a shard index ({indexBase}-based) and count; pass --shard I/N instead";
                return null;
            }

            return new Shard(i - indexBase + 1, n) { Source = $"{indexName}/{countName}" };
        }

        return All with { Source = "whole range" };
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
