using System.Reflection;
using System.Runtime.Loader;

namespace Harness.Bench.Systematic;

/// <summary>
/// The Coyote systematic tests (tests/Systematic) need Coyote-rewritten Harness.Transport, Harness.Sim and Systematic
/// assemblies, and every other benchmark must measure the plain ones. So this project only builds tests/Systematic
/// (whose build rewrites its own output folder, tests/Systematic/CoyoteRewrite.targets) and loads that folder into an
/// isolated <see cref="AssemblyLoadContext"/>: the rewritten transport lives there, next to Coyote, and the
/// benchmark process's own copy stays plain. The folder's path is baked into this assembly at build time.
/// </summary>
public sealed class SystematicAssemblies : AssemblyLoadContext
{
    private const string MetadataKey = "SystematicOutput";
    private static readonly Lazy<SystematicAssemblies> Shared = new(() => new SystematicAssemblies(Folder()));
    private readonly string _folder;

    private SystematicAssemblies(string folder)
        : base("coyote-rewritten", isCollectible: false)
    {
        _folder = folder;
        Tests = LoadFromAssemblyPath(Path.Combine(folder, "Systematic.dll"));
    }

    /// <summary>The one context of this process (the runtime cannot unload Coyote's statics cleanly, so it is kept).</summary>
    public static SystematicAssemblies Instance => Shared.Value;

    /// <summary>The rewritten Systematic.dll.</summary>
    public Assembly Tests { get; }

    /// <summary>A public type of the rewritten test assembly, by full name.</summary>
    public Type TestType(string fullName) =>
        Tests.GetType(fullName, throwOnError: false) ?? throw new InvalidOperationException($"{fullName} is not in {Tests.Location}");

    /// <inheritdoc/>
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(_folder, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null; // framework assemblies come from the default context
    }

    private static string Folder()
    {
        var folder = typeof(SystematicAssemblies).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == MetadataKey)?.Value;
        if (folder == null || !File.Exists(Path.Combine(folder, "Systematic.dll")))
        {
            throw new InvalidOperationException(
                $"the rewritten systematic tests are not at '{folder}': build them with this configuration first (`dotnet build -c Release tests/Systematic`; bench/Bench.csproj builds them too)");
        }

        return folder;
    }
}
