using System.Text.Json;
using System.Text.Json.Nodes;

namespace Harness.Tests.Properties.FieldBugs.Support;

/// <summary>
/// Core-dump snapshots for the import-core tests without gdb: the ones embedded in the checked-in scenarios
/// (<c>scenarios/core-spdk-3463-*.json</c>), as JSON trees to change and write back.
/// </summary>
internal static class SnapshotFiles
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The consistent snapshot of SPDK #3463's fixture (two qpairs; qpair 1 is the I/O qpair, depth 16).</summary>
    public static JsonObject BeforeDrain() => Embedded("core-spdk-3463-before-drain.json");

    /// <summary>The corrupted one (request 11 in two queues).</summary>
    public static JsonObject Corrupted() => Embedded("core-spdk-3463-corrupted.json");

    /// <summary>Qpair <paramref name="index"/> of the only poller.</summary>
    public static JsonObject Qpair(JsonObject snapshot, int index) => snapshot["poll_groups"]![0]!["pollers"]![0]!["qpairs"]![index]!.AsObject();

    /// <summary>Writes <paramref name="snapshot"/> indented (one field per line) to <paramref name="path"/>.</summary>
    public static string Write(JsonObject snapshot, string path)
    {
        File.WriteAllText(path, snapshot.ToJsonString(Indented));
        return path;
    }

    /// <summary>The 1-based line of <paramref name="path"/>'s first occurrence of <paramref name="text"/>.</summary>
    public static int LineOf(string path, string text)
    {
        var all = File.ReadAllText(path);
        var at = all.IndexOf(text, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{text}' is not in {path}");
        return all[..at].Count(c => c == '\n') + 1;
    }

    private static JsonObject Embedded(string scenario)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Scenarios, scenario)))!.AsObject();
        return root["initialState"]!.DeepClone().AsObject();
    }
}
