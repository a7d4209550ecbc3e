using Harness.Transport.Target;

namespace Harness.Tests.Properties.FieldBugs.Support;

/// <summary>HARNESS_DEFECT (DESIGN.md contract) for the field-bug tests: added to every run that stands for the fixed transport.</summary>
internal static class EnvironmentDefects
{
    /// <summary>The defects HARNESS_DEFECT names.</summary>
    public static KnownDefects Flags => KnownDefectNames.FromEnvironment();

    /// <summary>The same as <c>--defect NAME</c> arguments for <c>harness</c>.</summary>
    public static string[] Args(params string[] args)
    {
        var flags = Flags;
        var extra = KnownDefectNames.All.Where(n => KnownDefectNames.TryParse(n, out var d) && (flags & d) != 0).SelectMany(n => new[] { "--defect", n });
        return args.Concat(extra).ToArray();
    }
}
