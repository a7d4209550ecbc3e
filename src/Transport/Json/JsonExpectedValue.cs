using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Harness.Transport.Json;

/// <summary>
/// What a JSON value must be, in JSON's words ("must be a whole number between 0 and 2^64-1"), for the field
/// System.Text.Json could not bind it to. Its own messages name .NET types (<c>System.Nullable`1[System.Int32]</c>),
/// which mean nothing to whoever wrote the file; the serializer's contract metadata says which type the field has.
/// </summary>
public static class JsonExpectedValue
{
    /// <summary>
    /// <c>VALUE: must be …</c> for the value at <paramref name="pointer"/> of <paramref name="document"/>, read as
    /// <paramref name="root"/> with <paramref name="options"/>.
    /// </summary>
    public static string Describe(JsonSerializerOptions options, Type root, JsonElement document, string pointer) =>
        Words(options, root, document, pointer);

    /// <summary>
    /// <see cref="Describe(JsonSerializerOptions, Type, JsonElement, string)"/> for a document still in bytes, as a reader
    /// that deserializes straight from them has it. The serializer reads no further than the value it cannot bind, so
    /// the rest of the document may not be JSON at all: then the value is left out and the field's type alone says
    /// what it must be (<c>must be …</c>).
    /// </summary>
    public static string Describe(JsonSerializerOptions options, Type root, ReadOnlyMemory<byte> utf8, string pointer)
    {
        ArgumentNullException.ThrowIfNull(options);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, new JsonDocumentOptions
            {
                AllowTrailingCommas = options.AllowTrailingCommas,
                CommentHandling = options.ReadCommentHandling == JsonCommentHandling.Disallow ? JsonCommentHandling.Disallow : JsonCommentHandling.Skip,
                MaxDepth = options.MaxDepth,

                // With a name repeated, the document's value would be the last one, not necessarily the one refused.
                AllowDuplicateProperties = false,
            });
        }
        catch (JsonException)
        {
            return Words(options, root, null, pointer);
        }

        using (document)
        {
            return Words(options, root, document.RootElement, pointer);
        }
    }

    private static string Words(JsonSerializerOptions options, Type root, JsonElement? document, string pointer)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TypeInfoResolver == null)
        {
            // Options not used yet have no contract metadata: the reflection-based one is what they would get.
            options = new JsonSerializerOptions(options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        }

        var (type, value) = Find(options, root, document, pointer);
        var text = value?.GetRawText() is { } raw ? Shorten(raw) + ": " : string.Empty;
        return text + (type == null ? "is not a value this field can hold" : MustBe(type, value));
    }

    /// <summary>
    /// The type bound at <paramref name="pointer"/> and the value there (null where the walk loses either). Without a
    /// <paramref name="document"/> the walk follows the contract alone (no discriminator to choose a derived type by).
    /// </summary>
    private static (Type? Type, JsonElement? Value) Find(JsonSerializerOptions options, Type root, JsonElement? document, string pointer)
    {
        var info = options.GetTypeInfo(root);
        var node = document;
        foreach (var raw in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = JsonPointer.Unescape(raw);
            if (node is { } here)
            {
                info = Derived(options, info, here);
            }

            var next = Member(options, info, segment);
            if (next == null)
            {
                return (null, null);
            }

            if (node is { } parent)
            {
                if (Child(parent, segment) is not { } child)
                {
                    return (null, null);
                }

                node = child;
            }

            info = next;
        }

        return (info.Type, node);
    }

    /// <summary>The contract of an element (<paramref name="segment"/> an index) or of a property, or null.</summary>
    private static JsonTypeInfo? Member(JsonSerializerOptions options, JsonTypeInfo info, string segment) => info.Kind switch
    {
        JsonTypeInfoKind.Enumerable when Index(segment) >= 0 => options.GetTypeInfo(info.ElementType!),
        JsonTypeInfoKind.Object when info.Properties.FirstOrDefault(p => p.Name == segment) is { } property => options.GetTypeInfo(property.PropertyType),
        _ => null,
    };

    /// <summary>The element or property <paramref name="segment"/> of <paramref name="node"/>, or null.</summary>
    private static JsonElement? Child(JsonElement node, string segment) => node.ValueKind switch
    {
        JsonValueKind.Array when Index(segment) is var i and >= 0 && i < node.GetArrayLength() => node[i],
        JsonValueKind.Object when node.TryGetProperty(segment, out var child) => child,
        _ => null,
    };

    private static int Index(string segment) =>
        int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1;

    /// <summary>The derived type a polymorphic object names with its discriminator (<c>"kind": "wc-error"</c>).</summary>
    private static JsonTypeInfo Derived(JsonSerializerOptions options, JsonTypeInfo info, JsonElement node)
    {
        if (info.PolymorphismOptions is not { } poly || node.ValueKind != JsonValueKind.Object
            || !node.TryGetProperty(poly.TypeDiscriminatorPropertyName, out var discriminator) || discriminator.ValueKind != JsonValueKind.String)
        {
            return info;
        }

        var name = discriminator.GetString();
        var derived = poly.DerivedTypes.FirstOrDefault(d => d.TypeDiscriminator as string == name);
        return derived.DerivedType == null ? info : options.GetTypeInfo(derived.DerivedType);
    }

    private static string MustBe(Type type, JsonElement? value)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var whole = WholeRange(type);
        if (whole != null)
        {
            var hint = value is { ValueKind: JsonValueKind.Number } v && v.GetRawText().IndexOfAny(['.', 'e', 'E']) >= 0
                ? ", written without a fraction or exponent"
                : string.Empty;
            return $"must be a whole number between {whole}{hint}";
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.Double or TypeCode.Single or TypeCode.Decimal => "must be a number",
            TypeCode.String or TypeCode.Char => "must be a string",
            TypeCode.Boolean => "must be true or false",
            _ when type != typeof(string) && type.IsAssignableTo(typeof(System.Collections.IEnumerable)) => "must be a list ([…])",
            _ => "must be an object ({…})",
        };
    }

    /// <summary>The range of a whole-number type in the words of its limits, or null when it is not one.</summary>
    private static string? WholeRange(Type type) => Type.GetTypeCode(type) switch
    {
        TypeCode.Byte => "0 and 255",
        TypeCode.SByte => "-128 and 127",
        TypeCode.Int16 => "-2^15 and 2^15-1",
        TypeCode.UInt16 => "0 and 2^16-1",
        TypeCode.Int32 => "-2^31 and 2^31-1",
        TypeCode.UInt32 => "0 and 2^32-1",
        TypeCode.Int64 => "-2^63 and 2^63-1",
        TypeCode.UInt64 => "0 and 2^64-1",
        _ => null,
    };

    /// <summary>A value as the file has it, cut short when it is long (an object, a long string).</summary>
    private static string Shorten(string raw) => raw.Length <= 40 ? raw : raw[..37] + "...";
}
