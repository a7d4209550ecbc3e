using System.Text;
using System.Text.Json;
using Harness.Transport.Json;

namespace Harness.Tests.Properties.Json;

/// <summary>
/// What a value the serializer refused must be, in JSON's words, for the pointer its own exception leads to: from a
/// parsed document (the scenario reader) and from bytes (the snapshot reader), the latter also when the rest of the
/// bytes is not JSON or names a field twice (then the type alone is said, never another value than the one refused).
/// </summary>
public sealed class JsonExpectedValueTests
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
        AllowDuplicateProperties = false,
    };

    [Theory]
    [InlineData("""{"count": "one"}""", "\"one\": must be a whole number between -2^31 and 2^31-1")]
    [InlineData("""{"count": 1, "recv": 2.5}""", "2.5: must be a whole number between -2^31 and 2^31-1, written without a fraction or exponent")]
    [InlineData("""{"count": 1, "seed": -1}""", "-1: must be a whole number between 0 and 2^64-1")]
    [InlineData("""{"count": 1, "items": [{"on": true}, {"on": 1}]}""", "1: must be true or false")]
    [InlineData("""{"count": 1, "items": {"on": true}}""", "{\"on\": true}: must be a list ([…])")]
    [InlineData("""{"count": 1, "name": 5}""", "5: must be a string")]
    [InlineData("""[1]""", "[1]: must be an object ({…})")]
    public void The_value_refused_and_what_it_must_be_are_named_in_JSON_words(string json, string words)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);
        var pointer = PointerOfTheRefusedValue(utf8);
        using var document = JsonDocument.Parse(utf8);

        Assert.Equal(words, JsonExpectedValue.Describe(Options, typeof(Doc), utf8, pointer));
        Assert.Equal(words, JsonExpectedValue.Describe(Options, typeof(Doc), document.RootElement, pointer));
    }

    [Theory]
    [InlineData("{\"count\": \"one\", ,,, not json")]
    [InlineData("{\"count\": \"one\", \"count\": 1}")]
    public void Without_a_whole_document_to_read_the_value_from_the_field_s_type_alone_is_named(string json)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);

        Assert.Equal("must be a whole number between -2^31 and 2^31-1", JsonExpectedValue.Describe(Options, typeof(Doc), utf8, PointerOfTheRefusedValue(utf8)));
    }

    private static string PointerOfTheRefusedValue(byte[] utf8)
    {
        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Doc>(utf8, Options));
        Assert.Contains("could not be converted", e.Message, StringComparison.Ordinal);
        return JsonPointer.FromPath(e.Path);
    }

    /// <summary>A document with a field of each kind.</summary>
    public sealed record Doc
    {
        public required int Count { get; init; }

        public int? Recv { get; init; }

        public ulong Seed { get; init; }

        public string Name { get; init; } = string.Empty;

        public IReadOnlyList<Item> Items { get; init; } = [];
    }

    /// <summary>An element of <see cref="Doc.Items"/>.</summary>
    public sealed record Item
    {
        public required bool On { get; init; }
    }
}
