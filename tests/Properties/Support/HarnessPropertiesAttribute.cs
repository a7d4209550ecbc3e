using FsCheck.Xunit;
using Harness.Tests.Properties.Sequences;
using Harness.Tests.Properties.Support;

[assembly: HarnessProperties(MaxTest = HarnessPropertiesAttribute.FsCheckMaxTestDefault)]

namespace Harness.Tests.Properties.Support;

/// <summary>
/// <c>[Properties]</c> of this suite (class- or assembly-wide settings), started from <see cref="PropertySeed"/> and
/// with the case count scaled by <see cref="PropertyBudget.Scale"/>. The assembly carries one with FsCheck's default
/// case count, so a property that names no count of its own is scaled too.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class HarnessPropertiesAttribute : PropertiesAttribute
{
    /// <summary>FsCheck's own default number of cases.</summary>
    public const int FsCheckMaxTestDefault = 100;

    public HarnessPropertiesAttribute() => Replay = PropertySeed.ReplayText;

    /// <summary>Generated cases at the CI budget; the run makes <see cref="PropertyBudget.Scale"/> times as many.</summary>
    public new int MaxTest
    {
        get => base.MaxTest;
        set => base.MaxTest = PropertyBudget.Scaled(value);
    }
}
