using System.Reflection;
using FsCheck.Xunit;
using Xunit.Abstractions;

namespace Harness.Tests.Properties.Support;

/// <summary>
/// The suite's FsCheck seed (<see cref="PropertySeed"/>): CI's is fixed, an explicit one parses as FsCheck prints it,
/// and a bad <c>HARNESS_PROPERTY_SEED</c> fails the suite with a message instead of silently running the default.
/// </summary>
public sealed class PropertySeedTests(ITestOutputHelper output)
{
    [Fact]
    public void The_seed_in_effect_is_valid_and_printed()
    {
        output.WriteLine($"FsCheck properties start from {PropertySeed.ReplayText}{(PropertySeed.IsDefault ? " (CI's fixed seed)" : string.Empty)}");
        Assert.True(PropertySeed.Problem == null, PropertySeed.Problem);
    }

    [Fact]
    public void Every_property_of_the_suite_starts_from_the_suite_seed()
    {
        // A bare FsCheck [Property]/[Properties] or Check.Quick would draw a fresh seed on every run.
        var methods = typeof(PropertySeedTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<PropertyAttribute>() is { } a && a is not HarnessPropertyAttribute)
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}");
        var classes = typeof(PropertySeedTests).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<PropertiesAttribute>() is { } a && a is not HarnessPropertiesAttribute)
            .Select(t => t.Name);
        Assert.Empty(methods.Concat(classes));
        Assert.IsType<HarnessPropertiesAttribute>(typeof(PropertySeedTests).Assembly.GetCustomAttribute<PropertiesAttribute>());
    }

    [Theory]
    [InlineData("(5536574051973119967,15013571048310049477)", 5536574051973119967UL, 15013571048310049477UL, -1)]
    [InlineData("(5195394182799221776,16894654074445804265,6)", 5195394182799221776UL, 16894654074445804265UL, 6)]
    [InlineData(" 12 , 7 ", 12UL, 7UL, -1)]
    [InlineData("12", 12UL, 1207UL, -1)]
    public void A_replay_string_as_FsCheck_prints_it_parses(string text, ulong seed, ulong gamma, int size)
    {
        Assert.True(PropertySeed.TryParse(text, out var s, out var g, out var z));
        Assert.Equal((seed, gamma, size), (s, g, z ?? -1));
    }

    [Theory]
    [InlineData("")]
    [InlineData("(1,2,3,4)")]
    [InlineData("(1,2,-3)")]
    [InlineData("-1")]
    [InlineData("seed")]
    [InlineData("(18446744073709551616,1)")]
    public void Anything_else_is_refused(string text) => Assert.False(PropertySeed.TryParse(text, out _, out _, out _));
}
