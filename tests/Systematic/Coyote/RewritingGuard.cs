using System.Reflection;
using Harness.Sim.Core;
using Harness.Transport.Host;

namespace Harness.Tests.Systematic.Coyote;

/// <summary>
/// Coyote explores only what was rewritten: on plain assemblies Task and lock code runs uncontrolled, which shows up as
/// false "deadlock detected" reports and missed races. Every exploration starts here and fails loudly, naming the
/// assembly and the fix, when the build's rewrite step (tests/Systematic/CoyoteRewrite.targets) did not run.
/// </summary>
public static class RewritingGuard
{
    private const string SignatureAttribute = "Microsoft.Coyote.Rewriting.RewritingSignatureAttribute";

    /// <summary>The marker tools/CoyoteCallSites leaves (CallSiteRemover.MarkerKey).</summary>
    private const string CallSitesMarker = "CoyoteCallSitesRemoved";

    /// <summary>The assemblies whose concurrency the tests explore: the transport, the simulator, the tests.</summary>
    public static IReadOnlyList<Assembly> Explored { get; } = new[]
    {
        typeof(NvmeRdmaController).Assembly,
        typeof(SimWorld).Assembly,
        typeof(RewritingGuard).Assembly,
    };

    /// <summary>True when Coyote's rewriter has processed <paramref name="assembly"/>.</summary>
    public static bool IsRewritten(Assembly assembly) =>
        assembly.GetCustomAttributes().Any(a => a.GetType().FullName == SignatureAttribute);

    /// <summary>True when tools/CoyoteCallSites removed Coyote's call-site registrations from <paramref name="assembly"/>.</summary>
    public static bool IsWithoutCallSites(Assembly assembly) =>
        assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Any(a => a.Key == CallSitesMarker);

    /// <summary>The explored assemblies that were not rewritten, or still register call sites (empty when all are ready).</summary>
    public static IReadOnlyList<string> NotRewritten() =>
        Explored.Where(a => !IsRewritten(a) || !IsWithoutCallSites(a))
            .Select(a => $"{a.GetName().Name} ({a.Location}{(IsRewritten(a) ? ": call-site registrations not removed" : string.Empty)})").ToList();

    /// <summary>Throws, naming every assembly that was not rewritten and how to fix it.</summary>
    public static void ThrowIfNotRewritten()
    {
        var missing = NotRewritten();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"Coyote systematic tests need rewritten assemblies, but {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} not rewritten: " +
                "results would be false deadlocks and missed races. The build rewrites them (tests/Systematic/CoyoteRewrite.targets, after Build); " +
                "run `dotnet build tests/Systematic` (not --no-build on a stale output) and check its output for the rewrite step.");
        }
    }
}
