using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Harness.Sim.Files;
using Harness.Transport.Json;
using Harness.Transport.Target;

namespace Harness.Sim.Scenarios;

/// <summary>
/// Reading and writing scenario files. Loading checks, in order: JSON syntax, the published schema
/// (<see cref="ScenarioSchema"/>), then what a schema cannot say (qpair numbers within the topology, known invariant
/// names, options that only apply to one workload kind). Every problem is a <see cref="ScenarioFormatException"/>
/// naming the file, the line and the field. Writing is canonical: the same scenario always gives the same bytes.
/// </summary>
public static class ScenarioFile
{
    /// <summary>Largest file read (a scenario is a page of text; anything far bigger is not one).</summary>
    public const int FileBytesMax = 16 << 20;

    /// <summary>File name suffix of scenarios in a folder.</summary>
    public const string Extension = ".json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        AllowOutOfOrderMetadataProperties = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        NumberHandling = JsonNumberHandling.Strict,
        RespectNullableAnnotations = true,
    };

    /// <summary>Reads and checks the scenario in <paramref name="path"/>.</summary>
    /// <exception cref="InputFileException">The file cannot be read (missing, a directory, unreadable, too large).</exception>
    /// <exception cref="ScenarioFormatException">The file is read but is not a valid scenario.</exception>
    public static ScenarioDocument Load(string path) => Parse(InputFile.ReadAllBytes(path, FileBytesMax, "scenario file"), path);

    /// <summary>Checks and reads scenario text; <paramref name="file"/> names it in errors.</summary>
    public static ScenarioDocument Parse(string text, string file) => Parse(Encoding.UTF8.GetBytes(text), file);

    /// <summary>Checks and reads UTF-8 scenario bytes; <paramref name="file"/> names it in errors.</summary>
    public static ScenarioDocument Parse(ReadOnlySpan<byte> utf8, string file)
    {
        var lines = ReadJson(utf8, file, out var json);
        using (json)
        {
            CheckWorkloadKind(json.RootElement, file);
            var document = new ScenarioDocument(file, Bind(json.RootElement, lines, file), lines);
            CheckMeaning(document);
            return document;
        }
    }

    /// <summary>
    /// <paramref name="root"/> checked against the schema and read into a <see cref="Scenario"/>; problems name the field
    /// and its line in <paramref name="lines"/>.
    /// </summary>
    internal static Scenario Bind(JsonElement root, JsonLineMap lines, string file)
    {
        if (ScenarioSchema.FirstProblem(root) is { } problem)
        {
            throw new ScenarioFormatException(file, lines.LineOf(problem.Pointer), JsonLineMap.FieldName(problem.Pointer), problem.Problem);
        }

        try
        {
            return root.Deserialize<Scenario>(Options)!;
        }
        catch (JsonException e)
        {
            // The schema let it through, so the value is of the right JSON type but does not fit the field's
            // (a number beyond its range, 5.0 for a whole number): say so in JSON's words, not .NET's.
            var pointer = JsonPointer.FromPath(e.Path);
            throw new ScenarioFormatException(file, lines.LineOf(pointer), JsonLineMap.FieldName(pointer),
                JsonExpectedValue.Describe(Options, typeof(Scenario), root, pointer));
        }
    }

    /// <summary>
    /// The document and its line map (a byte order mark skipped), or the first problem of the text as JSON: a byte that
    /// is not UTF-8 (a string with one cannot even be compared with the schema), a syntax error, a property repeated in
    /// one object.
    /// </summary>
    internal static JsonLineMap ReadJson(ReadOnlySpan<byte> utf8, string file, out JsonDocument json)
    {
        if (utf8.StartsWith(Encoding.UTF8.Preamble))
        {
            utf8 = utf8[Encoding.UTF8.Preamble.Length..];
        }

        if (InputFile.Utf8Problem(utf8, out var badLine, out var badOffset) is { } notUtf8)
        {
            throw new ScenarioFormatException(file, badLine, JsonLineMap.FieldName(JsonLineMap.PointerAt(utf8, badOffset) ?? string.Empty), notUtf8);
        }

        JsonLineMap lines;
        try
        {
            lines = JsonLineMap.Build(utf8);
            if (lines.Duplicate is { } d)
            {
                throw new ScenarioFormatException(file, d.Line, JsonLineMap.FieldName(d.Pointer),
                    Inv($"duplicate field: also given on line {d.FirstLine} (a field may appear once per object)"));
            }

            json = JsonDocument.Parse(utf8.ToArray(), InputFile.JsonOptions(JsonLineMap.DepthMax));
        }
        catch (JsonException e)
        {
            throw new ScenarioFormatException(file, (int)(e.LineNumber ?? 0) + 1, "(document)", $"not valid JSON: {FirstSentence(e.Message)}");
        }

        return lines;
    }

    /// <summary>The canonical text of <paramref name="scenario"/>: indented, one command or fault per line, ending in a newline.</summary>
    public static string ToJson(Scenario scenario)
    {
        var node = JsonSerializer.SerializeToNode(scenario, Options)!;
        var sb = new StringBuilder();
        CompactJson.Write(node, sb, 0);
        return sb.Append('\n').ToString();
    }

    /// <summary>
    /// Writes <paramref name="scenario"/> to <paramref name="path"/> through <see cref="OutputFile"/>: whole file or nothing,
    /// a temporary file of its own per write (two writers of one path never mix their bytes), none left after a failure.
    /// </summary>
    public static void Save(Scenario scenario, string path) => OutputFile.WriteText(path, ToJson(scenario));

    /// <summary>Exactly one workload (the schema's <c>oneOf</c>, said so that a person understands it).</summary>
    private static void CheckWorkloadKind(JsonElement root, string file)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return; // the schema says what is wrong
        }

        var random = root.TryGetProperty("random", out _);
        var commands = root.TryGetProperty("commands", out _);
        if (random == commands)
        {
            throw new ScenarioFormatException(file, 1, "(document)", random
                ? "has both \"random\" and \"commands\": a scenario runs one workload"
                : "needs a workload: \"random\" (the parameters of harness run) or \"commands\" (an explicit command list)");
        }
    }

    /// <summary>The checks the schema cannot express.</summary>
    private static void CheckMeaning(ScenarioDocument d)
    {
        var s = d.Scenario;
        if (!ScenarioExpectation.TryParse(s.Expect, out var expect))
        {
            throw d.Error("/expect", "must be 'must-pass' or 'must-detect: <invariant>'");
        }

        if (expect.Invariant is { } name && !ScenarioInvariants.IsKnown(name))
        {
            throw d.Error("/expect", $"unknown invariant '{name}' (known: {string.Join(", ", ScenarioInvariants.Known)})");
        }

        var topology = s.EffectiveTopology;
        if (s.InitialState != null)
        {
            ScenarioInitialState.Check(d);
        }
        else if (s.Random != null)
        {
            CheckRandomTopology(d, s.Topology);
        }
        else
        {
            CheckTargetOptions(d, topology);
            CheckCommands(d, s.Commands!, topology.QpairCount);
            FaultReach.OfCommands(s.Commands!, topology.QpairCount).Check(d);
        }

        CheckFaultWindows(d);
    }

    /// <summary>A <c>delay-cq</c> window must not end before it starts (the schema cannot compare two fields).</summary>
    internal static void CheckFaultWindows(ScenarioDocument d)
    {
        var faults = d.Scenario.Faults ?? Array.Empty<FaultSpec>();
        for (var i = 0; i < faults.Count; i++)
        {
            if (faults[i] is DelayCqSpec cq && cq.UntilNs <= cq.FromNs)
            {
                throw d.Error(Inv($"/faults/{i}/untilNs"), Inv($"{cq.UntilNs} must be after fromNs {cq.FromNs}"));
            }
        }
    }

    private static void CheckRandomTopology(ScenarioDocument d, ScenarioTopology? t)
    {
        if (t?.PollGroups != null)
        {
            throw d.Error("/topology/pollGroups", "applies to command workloads only (the random workload chooses its poll groups)");
        }

        // A random workload takes the one target option harness run has (--in-capsule-size); the rest are the workload's.
        if (t?.Target is { } target && target with { InCapsuleDataSize = null } != new ScenarioTargetOptions())
        {
            var field = Options.GetTypeInfo(typeof(ScenarioTargetOptions)).Properties
                .First(p => p.Name != "inCapsuleDataSize" && p.Get!(target) != null).Name;
            throw d.Error("/topology/target/" + field, "applies to command workloads only (a random workload takes only inCapsuleDataSize, the option --in-capsule-size of harness run)");
        }
    }

    private static void CheckTargetOptions(ScenarioDocument d, ScenarioTopology t)
    {
        try
        {
            ToTargetOptions(t).Validate();
        }
        catch (ArgumentException e)
        {
            // The options name themselves as .NET properties (NumSharedBuffers): a scenario calls them numSharedBuffers.
            var option = e.ParamName ?? string.Empty;
            var field = JsonNamingPolicy.CamelCase.ConvertName(option);
            var problem = e.Message.Replace($" (Parameter '{option}')", string.Empty, StringComparison.Ordinal);
            if (t.Target != null && Options.GetTypeInfo(typeof(ScenarioTargetOptions)).Properties.Any(p => p.Name == field))
            {
                throw d.Error("/topology/target/" + field, problem.Replace($"target option {option} ", string.Empty, StringComparison.Ordinal));
            }

            throw d.Error(t.Target == null ? "/topology" : "/topology/target", problem.Replace($"option {option} ", $"option {field} ", StringComparison.Ordinal));
        }
    }

    private static void CheckCommands(ScenarioDocument d, IReadOnlyList<ScenarioCommand> commands, int qpairs)
    {
        for (var i = 0; i < commands.Count; i++)
        {
            var qpair = commands[i] switch
            {
                WriteCommand w => w.Qpair,
                ReadCommand r => r.Qpair,
                ReconnectCommand c => c.Qpair,
                CompareAndWriteCommand f => f.Qpair,
                _ => 0,
            };
            if (qpair > qpairs)
            {
                throw d.Error(Inv($"/commands/{i}/qpair"), Inv($"I/O qpair {qpair} does not exist: the topology has {qpairs}"));
            }
        }
    }

    /// <summary>The target transport options of a command workload's topology.</summary>
    public static TargetOptions ToTargetOptions(ScenarioTopology t)
    {
        var o = t.Target ?? new ScenarioTargetOptions();
        return new TargetOptions
        {
            MaxQueueDepth = 128,
            IoUnitSize = o.IoUnitSize ?? ScenarioTargetOptions.IoUnitSizeDefault,
            MaxSendSge = o.MaxSendSge ?? ScenarioTargetOptions.MaxSendSgeDefault,
            NumSharedBuffers = o.NumSharedBuffers ?? ScenarioTargetOptions.NumSharedBuffersDefault,
            DataWrPoolSize = o.DataWrPoolSize ?? ScenarioTargetOptions.DataWrPoolSizeDefault,
            InCapsuleDataSize = o.InCapsuleDataSize ?? ScenarioTargetOptions.InCapsuleDataSizeDefault,
            UseSrq = t.Srq ?? false,
            MaxSrqDepth = o.MaxSrqDepth ?? ScenarioTargetOptions.MaxSrqDepthDefault,
            FabricConnectTimeoutNsMax = o.FabricConnectTimeoutMs is { } ms ? ms * 1_000_000L : new TargetOptions().FabricConnectTimeoutNsMax,
        };
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Indented JSON where small flat objects inside arrays (commands, faults) stay on one line each.</summary>
    private static class CompactJson
    {
        public static void Write(JsonNode? node, StringBuilder sb, int indent)
        {
            switch (node)
            {
                case JsonObject o when IsFlat(o) && indent > 1:
                    sb.Append('{').AppendJoin(", ", o.Select(p => $"{JsonValue.Create(p.Key).ToJsonString(Flat)}: {p.Value?.ToJsonString(Flat) ?? "null"}")).Append('}');
                    break;
                case JsonObject o:
                    WriteMembers(o.Select(p => (p.Key, p.Value)).ToList(), "{", "}", sb, indent, named: true);
                    break;
                case JsonArray a when a.All(e => e is not JsonObject and not JsonArray):
                    sb.Append(a.ToJsonString(Flat).Replace(",", ", ", StringComparison.Ordinal));
                    break;
                case JsonArray a:
                    WriteMembers(a.Select(e => (string.Empty, e)).ToList(), "[", "]", sb, indent, named: false);
                    break;
                default:
                    sb.Append(node?.ToJsonString(Flat) ?? "null");
                    break;
            }
        }

        private static readonly JsonSerializerOptions Flat = new() { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        private static bool IsFlat(JsonObject o) => o.All(p => p.Value is not JsonObject and not JsonArray);

        private static void WriteMembers(List<(string Key, JsonNode? Value)> members, string open, string close, StringBuilder sb, int indent, bool named)
        {
            if (members.Count == 0)
            {
                sb.Append(open).Append(close);
                return;
            }

            sb.Append(open).Append('\n');
            for (var i = 0; i < members.Count; i++)
            {
                sb.Append(' ', (indent + 1) * 2);
                if (named)
                {
                    sb.Append(JsonValue.Create(members[i].Key).ToJsonString(Flat)).Append(": ");
                }

                Write(members[i].Value, sb, indent + 1);
                sb.Append(i + 1 < members.Count ? ",\n" : "\n");
            }

            sb.Append(' ', indent * 2).Append(close);
        }
    }
}
