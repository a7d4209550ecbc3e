using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Harness.Transport.Json;

namespace Harness.Transport.Target.Snapshot;

/// <summary>
/// Reads a <see cref="TargetSnapshot"/> JSON file strictly: unknown, duplicated or missing fields, wrong types, numbers
/// out of the transport's range (<see cref="SnapshotLimits"/>), unknown state names, malformed or repeated addresses
/// and out-of-range indices are a <see cref="SnapshotFormatException"/> naming the file, the line and the field. What
/// it accepts can be audited, restored, run and embedded in a scenario without failing on a value.
/// </summary>
public static class TargetSnapshotReader
{
    /// <summary>Largest snapshot accepted (a transport with thousands of qpairs is well under this).</summary>
    public const long FileBytesMax = 1L << 30;

    /// <summary>JSON nesting a snapshot may have (it has about ten levels).</summary>
    public const int DepthMax = 32;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowDuplicateProperties = false,
        MaxDepth = DepthMax,
    };

    /// <summary>Reads the snapshot at <paramref name="path"/>.</summary>
    public static TargetSnapshot ReadFile(string path)
    {
        var info = new FileInfo(path);
        if (info.Exists && info.Length > FileBytesMax)
        {
            throw new SnapshotFormatException(path, 0, null, $"larger than {FileBytesMax} bytes: not a snapshot");
        }

        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a snapshot from <paramref name="json"/>; <paramref name="name"/> names it in errors.</summary>
    public static TargetSnapshot Read(byte[] json, string name)
    {
        ArgumentNullException.ThrowIfNull(json);
        TargetSnapshot? snapshot;
        try
        {
            snapshot = JsonSerializer.Deserialize<TargetSnapshot>(json, Options);
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 0 } p && p != "$" ? p : null;

            // A value of the wrong kind or beyond its field's range: what it must be follows from the field's type,
            // which the contract has and the message only names in .NET's words.
            var problem = SnapshotJsonProblem.IsUnconvertibleValue(e)
                ? JsonExpectedValue.Describe(Options, typeof(TargetSnapshot), json, JsonPointer.FromPath(e.Path))
                : SnapshotJsonProblem.Of(e);
            throw new SnapshotFormatException(name, (int)(e.LineNumber ?? -1) + 1, field, problem);
        }

        if (snapshot == null)
        {
            throw new SnapshotFormatException(name, 1, null, "the file holds null, not a snapshot object");
        }

        new SnapshotValidation(json, name).Check(snapshot);
        return snapshot;
    }

    /// <summary>Parses a <c>0x…</c> address.</summary>
    public static ulong Address(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal) && ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var a)
            ? a
            : throw new FormatException($"'{text}' is not a 0x… address");
}
