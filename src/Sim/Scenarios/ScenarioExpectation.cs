namespace Harness.Sim.Scenarios;

/// <summary>
/// What a scenario expects: <c>must-pass</c> (no invariant may break) or <c>must-detect: &lt;invariant&gt;</c> (that
/// invariant, by its printed name, must be the one reported).
/// </summary>
public sealed record ScenarioExpectation(string? Invariant)
{
    public const string MustPassText = "must-pass";
    public const string MustDetectPrefix = "must-detect: ";

    public static ScenarioExpectation MustPass { get; } = new((string?)null);

    public bool IsMustPass => Invariant == null;

    /// <summary>Parses the <c>expect</c> field; false when it is neither form.</summary>
    public static bool TryParse(string text, out ScenarioExpectation expectation)
    {
        expectation = MustPass;
        if (text == MustPassText)
        {
            return true;
        }

        if (!text.StartsWith(MustDetectPrefix, StringComparison.Ordinal) || text.Length == MustDetectPrefix.Length)
        {
            return false;
        }

        expectation = new ScenarioExpectation(text[MustDetectPrefix.Length..]);
        return true;
    }

    public static ScenarioExpectation MustDetect(string invariant) => new(invariant);

    /// <summary>True when a run that reported <paramref name="brokenInvariant"/> (null: none) meets this expectation.</summary>
    public bool IsMetBy(string? brokenInvariant) => string.Equals(Invariant, brokenInvariant, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => Invariant == null ? MustPassText : MustDetectPrefix + Invariant;
}
