using System.Globalization;
using System.Text;

namespace Harness.Tests.Systematic.Coyote;

/// <summary>
/// Where an exploration's scheduling steps come from: Coyote's stack trace of every scheduling point, grouped by the
/// harness's own innermost frames (Coyote's and the runtime's frames are dropped), most frequent first. Issue 17's
/// measure: a scenario should meet only where real threads meet (CM channel, controller lock, thread messages, CQ).
/// </summary>
public static class SchedulingPointReport
{
    /// <summary>Harness frames that name one site (the innermost ones: the primitive's caller and its callers).</summary>
    public const int SiteFramesMax = 3;

    /// <summary>Writes the report of <paramref name="test"/> to <paramref name="file"/> (replacing it).</summary>
    public static void Write(string file, string test, IReadOnlyDictionary<string, Dictionary<string, long>> traces)
    {
        var sites = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        foreach (var (type, stacks) in traces)
        {
            foreach (var (stack, count) in stacks)
            {
                var key = $"{type,-12} {Site(stack)}";
                sites[key] = sites.GetValueOrDefault(key) + count;
                total += count;
            }
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# {test}: {total} scheduling points over the exploration, by site");
        foreach (var (site, count) in sites.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{count,9} {100.0 * count / Math.Max(1, total),5:F1}%  {site}");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(file));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(file, text.ToString());
    }

    private static string Site(string stack)
    {
        var frames = stack.Split('\n')
            .Select(f => f.Trim())
            .Where(f => f.StartsWith("at Harness.", StringComparison.Ordinal))
            .Select(f => f[3..])
            .Select(f => f.IndexOf(" in ", StringComparison.Ordinal) is var i and > 0 ? f[..i] : f)
            .Take(SiteFramesMax);
        return string.Join(" < ", frames);
    }
}
