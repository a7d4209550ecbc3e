using FsCheck;
using Harness.Tests.Properties.Sequences;

namespace Harness.Tests.Properties.Support;

/// <summary>
/// Runs an FsCheck property from a <c>[Fact]</c> (where the test needs its own setup or output) the same way
/// <see cref="HarnessPropertyAttribute"/> does: from <see cref="PropertySeed"/>, throwing on failure with the seed and
/// the command that reruns it.
/// </summary>
public static class PropertyCheck
{
    /// <summary>Checks <paramref name="property"/> on <paramref name="cases"/> generated cases (already scaled).</summary>
    public static void One(Property property, int cases, string test)
    {
        ArgumentNullException.ThrowIfNull(property);
        try
        {
            Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases).WithReplay(PropertySeed.Replay), property);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new PropertyFailedException(
                $"{e.Message}\nFsCheck seed {PropertySeed.ReplayText}, {cases} case(s); rerun: {PropertySeed.ReplayCommand(test)}", e);
        }
    }
}
