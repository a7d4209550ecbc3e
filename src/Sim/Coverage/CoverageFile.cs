using System.Text.Encodings.Web;
using System.Text.Json;
using Harness.Sim.Files;

namespace Harness.Sim.Coverage;

/// <summary>
/// A coverage map as a file (<c>harness sweep --coverage-json FILE</c>, read by <c>harness coverage merge</c>), so that
/// the shards of one sweep, each its own process, can be summed. The text is deterministic: categories in table order,
/// every cell of each grid in grid order (zeros included, so the file alone shows what was not reached) named as the
/// table names it, outside-grid points in ordinal order, numbers in invariant form, <c>\n</c> line ends:
/// <code>
/// {"format": 1, "sweeps": [{"seeds": {"first": 1, "last": 6}, "shard": {"index": 1, "count": 2}, "faults": "swarm",
///   "defects": [], "ios": 100, "qpairs": 2, "qd": 16, "io-size": 4096}], "runs": 3,
///  "categories": {"fault-sites": {"cells": {"wc-error": 2, ...}, "outside-grid": {}}, ...}}
/// </code>
/// </summary>
public sealed class CoverageFile
{
    /// <summary>The format this harness writes and reads; a change that old readers would misread bumps it.</summary>
    public const int CurrentFormat = 1;

    /// <summary>Largest file read (a full file is tens of kilobytes).</summary>
    public const int FileBytesMax = 16 << 20;

    internal CoverageFile(string file, CoverageMap map, IReadOnlyList<CoverageSource> sources)
    {
        File = file;
        Map = map;
        Sources = sources;
    }

    /// <summary>The file as it was named.</summary>
    public string File { get; }

    /// <summary>The counts it holds.</summary>
    public CoverageMap Map { get; }

    /// <summary>The sweeps (shards) whose counts it holds: one for a sweep's file, one per part for a merged one.</summary>
    public IReadOnlyList<CoverageSource> Sources { get; }

    /// <summary>Reads and checks the coverage file <paramref name="path"/>.</summary>
    /// <exception cref="InputFileException">The file cannot be read (missing, a directory, unreadable, too large).</exception>
    /// <exception cref="CoverageFormatException">The file is read but is not a coverage file of this harness's universe.</exception>
    public static CoverageFile Load(string path) => Parse(InputFile.ReadAllBytes(path, FileBytesMax, "coverage file"), path);

    /// <summary>Checks and reads UTF-8 coverage file bytes; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="CoverageFormatException">The bytes are not a coverage file of this harness's universe.</exception>
    public static CoverageFile Parse(ReadOnlySpan<byte> utf8, string file) => CoverageFileReader.Read(utf8, file);

    /// <summary>Writes <paramref name="map"/> of <paramref name="sources"/> to <paramref name="path"/>, whole or not at all (<see cref="OutputFile"/>).</summary>
    public static void Save(string path, CoverageMap map, IReadOnlyList<CoverageSource> sources) =>
        OutputFile.Write(path, s => s.Write(ToJson(map, sources)));

    /// <summary>The file's bytes (see the type for the form).</summary>
    public static byte[] ToJson(CoverageMap map, IReadOnlyList<CoverageSource> sources)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(sources);
        using var buffer = new MemoryStream();
        // Relaxed escaping: point names hold '>' (NEW -> NEED_BUFFER), which the default encoder writes as \u003E.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("format", CurrentFormat);
            json.WriteStartArray("sweeps");
            foreach (var source in sources)
            {
                WriteSource(json, source);
            }

            json.WriteEndArray();
            json.WriteNumber("runs", map.Runs);
            json.WriteStartObject("categories");
            foreach (var category in map.Categories)
            {
                WriteCategory(json, category);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteSource(Utf8JsonWriter json, CoverageSource s)
    {
        json.WriteStartObject();
        json.WriteStartObject("seeds");
        json.WriteNumber("first", s.FirstSeed);
        json.WriteNumber("last", s.LastSeed);
        json.WriteEndObject();
        json.WriteStartObject("shard");
        json.WriteNumber("index", s.ShardIndex);
        json.WriteNumber("count", s.ShardCount);
        json.WriteEndObject();
        json.WriteString("faults", s.Faults);
        json.WriteStartArray("defects");
        foreach (var d in s.Defects)
        {
            json.WriteStringValue(d);
        }

        json.WriteEndArray();
        json.WriteNumber("ios", s.Workload.Ios);
        json.WriteNumber("qpairs", s.Workload.Qpairs);
        json.WriteNumber("qd", s.Workload.QueueDepth);
        json.WriteNumber("io-size", s.Workload.IoSize);
        json.WriteEndObject();
    }

    private static void WriteCategory(Utf8JsonWriter json, CoverageCategory category)
    {
        json.WriteStartObject(category.Key);
        json.WriteStartObject("cells");
        foreach (var cell in category.Cells())
        {
            json.WriteNumber(category.NameOf(cell), cell.Count);
        }

        json.WriteEndObject();
        json.WriteStartObject("outside-grid");
        foreach (var (row, count) in category.OutsideGrid)
        {
            json.WriteNumber(row, count);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }
}
