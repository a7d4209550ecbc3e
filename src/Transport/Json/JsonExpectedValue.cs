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
    public static string Describe(JsonSerializerOptions options, Type root, JsonElement document, string pointer)
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

    /// <summary>The type bound at <paramref name="pointer"/> and the value there (null where the walk loses either).</summary>
    private static (Type? Type, JsonElement? Value) Find(JsonSerializerOptions options, Type root, JsonElement node, string pointer)
    {
        var info = options.GetTypeInfo(root);
        foreach (var raw in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = JsonPointer.Unescape(raw);
            info = Derived(options, info, node);
            if (info.Kind == JsonTypeInfoKind.Enumerable && node.ValueKind == JsonValueKind.Array
                && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < node.GetArrayLength())
            {
                (info, node) = (options.GetTypeInfo(info.ElementType!), node[i]);
            }
            else if (info.Kind == JsonTypeInfoKind.Object && node.ValueKind == JsonValueKind.Object
                && info.Properties.FirstOrDefault(p => p.Name == segment) is { } property && node.TryGetProperty(segment, out var child))
            {
                (info, node) = (options.GetTypeInfo(property.PropertyType), child);
            }
            else
            {
                return (null, null);
            }
        }

        return (info.Type, node);
    }

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
