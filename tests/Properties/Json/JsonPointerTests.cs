using System.Text.Json;
using Harness.Transport.Json;

namespace Harness.Tests.Properties.Json;

/// <summary>
/// The paths System.Text.Json puts in its exceptions become the JSON Pointers the readers locate values by, names with
/// dots, brackets, quotes, slashes and tildes included.
/// </summary>
public sealed class JsonPointerTests
{
    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("$", "")]
    [InlineData("$.poll_groups[0].pollers[0].qpairs[1].state", "/poll_groups/0/pollers/0/qpairs/1/state")]
    [InlineData("$[3]", "/3")]
    [InlineData("$['a.b']", "/a.b")]
    [InlineData("$['a.b['x']'].c", "/a.b['x']/c")]
    [InlineData("$.x['a/b~c'][2]", "/x/a~1b~0c/2")]
    public void A_path_becomes_the_pointer_of_the_same_value(string? path, string pointer)
    {
        Assert.Equal(pointer, JsonPointer.FromPath(path));
    }

    /// <summary>The path the serializer really writes (not one written by hand) leads to the value that failed.</summary>
    [Theory]
    [InlineData("""{"ok": {"n": 1}, "a.b['x']": {"n": "one"}}""")]
    [InlineData("""{"a/b~c d": {"n": "one"}}""")]
    [InlineData("""{"plain": {"n": "one"}}""")]
    public void The_pointer_of_a_serializer_error_names_the_value_it_could_not_convert(string json)
    {
        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, int>>>(json));

        using var document = JsonDocument.Parse(json);
        var node = document.RootElement;
        foreach (var segment in JsonPointer.FromPath(e.Path).Split('/')[1..])
        {
            node = node.GetProperty(JsonPointer.Unescape(segment));
        }

        Assert.Equal("\"one\"", node.GetRawText());
    }
}
