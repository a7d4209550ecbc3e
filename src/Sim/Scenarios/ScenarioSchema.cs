using System.Text.Json;
using Harness.Transport.Json;
using Json.Schema;

namespace Harness.Sim.Scenarios;

/// <summary>
/// The published JSON Schema (docs/scenario.schema.json, embedded in this assembly) and its evaluation with
/// JsonSchema.Net. The first problem is reported at the deepest place it was found, which names the field.
/// </summary>
public static class ScenarioSchema
{
    /// <summary>Name of the embedded copy of docs/scenario.schema.json.</summary>
    public const string ResourceName = "Harness.Sim.Scenarios.scenario.schema.json";

    /// <summary>The schema's text, exactly as published.</summary>
    public static string Text { get; } = ReadResource();

    private static Lazy<JsonSchema> Schema { get; } = new(() => JsonSchema.FromText(Text, new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    /// <summary>Null when <paramref name="document"/> conforms, else (JSON Pointer of the field, problem).</summary>
    public static (string Pointer, string Problem)? FirstProblem(JsonElement document)
    {
        // JsonSchema.Net compares numbers as decimals and throws on one that does not fit (1e300): no field of the
        // schema takes such a number, so it is the first problem, named before the schema is evaluated.
        if (FirstOutOfRangeNumber(document, string.Empty) is { } huge)
        {
            return huge;
        }

        var results = Schema.Value.Evaluate(document, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return null;
        }

        (string Pointer, string Problem)? best = null;
        var bestDepth = -1;
        foreach (var detail in results.Details ?? (IReadOnlyList<EvaluationResults>)Array.Empty<EvaluationResults>())
        {
            if (detail.IsValid || detail.Errors is not { Count: > 0 } errors || IsCondition(detail))
            {
                continue;
            }

            var pointer = detail.InstanceLocation.ToString();
            var depth = pointer.Count(c => c == '/');
            if (depth > bestDepth)
            {
                bestDepth = depth;
                best = (pointer, Describe(errors, detail, pointer, document));
            }
        }

        return best ?? (string.Empty, "does not conform to the scenario schema");
    }

    /// <summary>The first number (depth first, in document order) that no decimal can hold, with its JSON Pointer.</summary>
    private static (string Pointer, string Problem)? FirstOutOfRangeNumber(JsonElement element, string pointer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number when !element.TryGetDecimal(out _):
                return (pointer, $"{element.GetRawText()}: out of range for every field of a scenario (none takes a number beyond ±2^64)");
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (FirstOutOfRangeNumber(property.Value, $"{pointer}/{JsonPointer.Escape(property.Name)}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FirstOutOfRangeNumber(item, $"{pointer}/{i++}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>An <c>if</c> that did not hold selects another branch: it is not a problem of the document.</summary>
    private static bool IsCondition(EvaluationResults detail) =>
        detail.EvaluationPath.ToString().Split('/').Contains("if", StringComparer.Ordinal);

    /// <summary>The problem in words: unknown fields and enumerations name what is allowed.</summary>
    private static string Describe(IReadOnlyDictionary<string, string> errors, EvaluationResults detail, string pointer, JsonElement document)
    {
        if (errors.ContainsKey("enum") && Keyword(detail.SchemaLocation, "enum") is { ValueKind: JsonValueKind.Array } allowed)
        {
            return $"{Value(document, pointer)} is not one of: {string.Join(", ", allowed.EnumerateArray().Select(v => v.ToString()))}";
        }

        if (errors.ContainsKey("type") && Keyword(detail.SchemaLocation, "type") is { ValueKind: JsonValueKind.String } type)
        {
            return $"{Value(document, pointer)}: {MustBe(type.GetString())}";
        }

        if (errors.ContainsKey(string.Empty) || errors.Values.Any(v => v.Contains("false schema", StringComparison.Ordinal)))
        {
            return "unknown field (see docs/scenario.schema.json for the fields allowed here)";
        }

        return string.Join("; ", errors.Select(e => $"{e.Value} ({e.Key})"));
    }

    /// <summary>The value of <paramref name="keyword"/> in the schema object at <paramref name="location"/> (where a keyword failed).</summary>
    private static JsonElement? Keyword(Uri location, string keyword)
    {
        var fragment = Uri.UnescapeDataString(location.Fragment.TrimStart('#'));
        if (!fragment.EndsWith("/" + keyword, StringComparison.Ordinal))
        {
            fragment += "/" + keyword;
        }

        var node = SchemaDocument.Value.RootElement;
        foreach (var part in fragment.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(JsonPointer.Unescape(part), out node))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>A JSON Schema type in words.</summary>
    private static string MustBe(string? type) => type switch
    {
        "integer" => "must be a whole number",
        "number" => "must be a number",
        "string" => "must be a string",
        "boolean" => "must be true or false",
        "array" => "must be a list ([…])",
        "object" => "must be an object ({…})",
        _ => $"must be of JSON type {type}",
    };

    private static string Value(JsonElement document, string pointer)
    {
        var node = document;
        foreach (var part in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node.ValueKind == JsonValueKind.Array ? node[int.Parse(part, System.Globalization.CultureInfo.InvariantCulture)] : node.GetProperty(part);
        }

        return node.GetRawText();
    }

    private static Lazy<JsonDocument> SchemaDocument { get; } = new(() => JsonDocument.Parse(Text));

    private static string ReadResource()
    {
        using var stream = typeof(ScenarioSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing from {typeof(ScenarioSchema).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
