using FsCheck.Xunit;
using Harness.Tests.Properties.Sequences;

namespace Harness.Tests.Properties.Support;

/// <summary>
/// <c>[Property]</c> of this suite: FsCheck's attribute, started from <see cref="PropertySeed"/> (fixed in CI) and
/// with its case count scaled by <see cref="PropertyBudget.Scale"/> (nightly budgets). Every property uses this one, so
/// no property can draw a fresh seed by accident.
/// </summary>
public sealed class HarnessPropertyAttribute : PropertyAttribute
{
    public HarnessPropertyAttribute() => Replay = PropertySeed.ReplayText;

    /// <summary>Generated cases at the CI budget; the run makes <see cref="PropertyBudget.Scale"/> times as many.</summary>
    public new int MaxTest
    {
        get => base.MaxTest;
        set => base.MaxTest = PropertyBudget.Scaled(value);
    }
}
