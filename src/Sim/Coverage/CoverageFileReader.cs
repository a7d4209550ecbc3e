using System.Text.Json;
using Harness.Sim.Scenarios;

namespace Harness.Sim.Coverage;

/// <summary>
/// Reads a <see cref="CoverageFile"/>: the text as JSON (UTF-8, syntax, fields given twice: as scenario files are read),
/// then every field checked against this harness's universe (each category key and point name must exist in it, every
/// count a whole number of 0 or more), every problem a <see cref="CoverageFormatException"/> naming the file, the line
/// and the field. The first problem ends the read: nothing of a bad file is counted.
/// </summary>
internal sealed class CoverageFileReader
{
    private static readonly string[] Fields = ["format", "sweeps", "runs", "categories"];
    private static readonly string[] SourceFields = ["seeds", "shard", "faults", "defects", "ios", "qpairs", "qd", "io-size"];
    private static readonly string[] CategoryFields = ["cells", "outside-grid"];

    private readonly string _file;
    private readonly JsonLineMap _lines;

    private CoverageFileReader(string file, JsonLineMap lines)
    {
        _file = file;
        _lines = lines;
    }

    public static CoverageFile Read(ReadOnlySpan<byte> utf8, string file)
    {
        JsonLineMap lines;
        JsonDocument json;
        try
        {
            lines = ScenarioFile.ReadJson(utf8, file, out json);
        }
        catch (ScenarioFormatException e)
        {
            // The line is in the message already: System.Text.Json's own 0-based "LineNumber: …" tail would contradict it.
            var tail = e.Problem.IndexOf(" LineNumber:", StringComparison.Ordinal);
            throw new CoverageFormatException(e.File, e.Line, e.Field, tail < 0 ? e.Problem : e.Problem[..tail]);
        }

        using (json)
        {
            return new CoverageFileReader(file, lines).Read(json.RootElement);
        }
    }

    private CoverageFile Read(JsonElement root)
    {
        CheckFields(root, string.Empty, Fields, Fields, "a coverage file");
        var format = root.GetProperty("format");
        if (format.ValueKind != JsonValueKind.Number || !format.TryGetInt32(out var f) || f != CoverageFile.CurrentFormat)
        {
            throw Error("/format", FormattableString.Invariant($"format {format.GetRawText()} is not one this harness reads ({CoverageFile.CurrentFormat})"));
        }

        var map = new CoverageMap();
        map.AddRuns(Count(root.GetProperty("runs"), "/runs"));
        var sweeps = root.GetProperty("sweeps");
        if (sweeps.ValueKind != JsonValueKind.Array)
        {
            throw Error("/sweeps", "must be an array of the sweeps (shards) counted");
        }

        var sources = sweeps.EnumerateArray().Select((s, i) => Source(s, FormattableString.Invariant($"/sweeps/{i}"))).ToArray();
        var categories = root.GetProperty("categories");
        CheckObject(categories, "/categories", "an object of the categories by key");
        foreach (var category in categories.EnumerateObject())
        {
            ReadCategory(map, category, "/categories/" + JsonLineMap.Escape(category.Name));
        }

        return new CoverageFile(_file, map, sources);
    }

    private CoverageSource Source(JsonElement s, string at)
    {
        CheckFields(s, at, SourceFields, SourceFields, "a sweep");
        var seeds = s.GetProperty("seeds");
        CheckFields(seeds, at + "/seeds", ["first", "last"], ["first", "last"], "a seed range");
        var first = Seed(seeds.GetProperty("first"), at + "/seeds/first");
        var last = Seed(seeds.GetProperty("last"), at + "/seeds/last");
        if (last < first)
        {
            throw Error(at + "/seeds/last", "the range ends before it starts");
        }

        var shard = s.GetProperty("shard");
        CheckFields(shard, at + "/shard", ["index", "count"], ["index", "count"], "a shard");
        var count = Int(shard.GetProperty("count"), at + "/shard/count", 1);
        var index = Int(shard.GetProperty("index"), at + "/shard/index", 1);
        if (index > count)
        {
            throw Error(at + "/shard/index", FormattableString.Invariant($"shard {index} of {count}: needs 1 <= index <= count"));
        }

        var defects = s.GetProperty("defects");
        if (defects.ValueKind != JsonValueKind.Array || defects.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.String))
        {
            throw Error(at + "/defects", "must be an array of defect names");
        }

        var workload = (Int(s.GetProperty("ios"), at + "/ios", 0), Int(s.GetProperty("qpairs"), at + "/qpairs", 0),
            Int(s.GetProperty("qd"), at + "/qd", 0), Int(s.GetProperty("io-size"), at + "/io-size", 0));
        return new CoverageSource(first, last, index, count, String(s.GetProperty("faults"), at + "/faults"),
            defects.EnumerateArray().Select(d => d.GetString()!).Order(StringComparer.Ordinal).ToArray(), workload);
    }

    private void ReadCategory(CoverageMap map, JsonProperty property, string at)
    {
        if (map.Category(property.Name) is not { } category)
        {
            throw Error(at, $"unknown coverage category (this harness has {string.Join(", ", map.Categories.Select(c => c.Key))})");
        }

        CheckFields(property.Value, at, CategoryFields, ["cells"], "a category");
        var cells = property.Value.GetProperty("cells");
        CheckObject(cells, at + "/cells", "an object of counts by point name");
        foreach (var cell in cells.EnumerateObject())
        {
            var pointer = at + "/cells/" + JsonLineMap.Escape(cell.Name);
            if (!category.TryAdd(cell.Name, Count(cell.Value, pointer)))
            {
                throw Error(pointer, $"unknown point '{cell.Name}' of category {category.Key} (a file of another harness version?)");
            }
        }

        if (property.Value.TryGetProperty("outside-grid", out var outside))
        {
            CheckObject(outside, at + "/outside-grid", "an object of counts by point name");
            foreach (var point in outside.EnumerateObject())
            {
                var pointer = at + "/outside-grid/" + JsonLineMap.Escape(point.Name);
                var count = Count(point.Value, pointer);
                try
                {
                    if (!category.TryAdd(point.Name, count))
                    {
                        category.AddOutsideGrid(point.Name, count); // a point since listed in the grid counts in its cell
                    }
                }
                catch (OverflowException)
                {
                    throw Error(pointer, "with the cell's count it does not fit 64 bits"); // the cell is also in cells
                }
            }
        }
    }

    /// <summary>An object with only <paramref name="known"/> fields and every one of <paramref name="required"/>.</summary>
    private void CheckFields(JsonElement e, string at, string[] known, string[] required, string what)
    {
        CheckObject(e, at, $"{what} ({{\"{string.Join("\", \"", required)}\": ...}})");
        foreach (var property in e.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
            {
                throw Error(at + "/" + JsonLineMap.Escape(property.Name), $"unknown field ({what} has {string.Join(", ", known)})");
            }
        }

        foreach (var name in required)
        {
            if (!e.TryGetProperty(name, out _))
            {
                throw Error(at + "/" + JsonLineMap.Escape(name), "missing");
            }
        }
    }

    private void CheckObject(JsonElement e, string at, string what)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Error(at, "must be " + what);
        }
    }

    private long Count(JsonElement e, string at)
    {
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n) && n >= 0
            ? n
            : throw Error(at, $"{e.GetRawText()} is not a count (a whole number, 0 or more)");
    }

    private int Int(JsonElement e, string at, int min)
    {
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var n) && n >= min
            ? n
            : throw Error(at, FormattableString.Invariant($"{e.GetRawText()} is not a whole number of {min} or more"));
    }

    private ulong Seed(JsonElement e, string at)
    {
        return e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out var n)
            ? n
            : throw Error(at, $"{e.GetRawText()} is not a seed (a whole number, 0 or more)");
    }

    private string String(JsonElement e, string at)
    {
        if (e.ValueKind != JsonValueKind.String)
        {
            throw Error(at, $"{e.GetRawText()} is not a string");
        }

        return e.GetString()!;
    }

    private CoverageFormatException Error(string pointer, string problem) =>
        new(_file, _lines.LineOf(pointer), JsonLineMap.FieldName(pointer), problem);
}
