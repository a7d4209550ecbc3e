using System.Diagnostics;
using System.Globalization;

namespace Harness.Tests.Properties.FieldBugs.Support;

/// <summary>
/// The core-dump path end to end, without SPDK: the C fixture is built with gcc (debug info), started in one of its
/// states, dumped with gcore while it waits, and the dump is read by tools/gdb/rdma_snapshot.py under gdb. Once per
/// variant per test run. gcc, gdb or gcore missing is a failure that says to run tools/test.sh (which installs them).
/// </summary>
internal sealed class CoreDump
{
    public const string InstallHint = "run tools/test.sh, which installs the missing packages (gcc, gdb, libibverbs-dev) before running the tests";

    /// <summary>Longest any external step may take.</summary>
    public const int StepTimeoutMs = 120_000;

    private static readonly Dictionary<string, Lazy<CoreDump>> Variants = new()
    {
        ["corrupted"] = new Lazy<CoreDump>(() => new CoreDump("corrupted"), LazyThreadSafetyMode.ExecutionAndPublication),
        ["before-drain"] = new Lazy<CoreDump>(() => new CoreDump("before-drain"), LazyThreadSafetyMode.ExecutionAndPublication),
    };

    private CoreDump(string variant)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory($"harness-core-{variant}-").FullName;
        var directory = Directory;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.Directory.Delete(directory, recursive: true);
        Binary = Path.Combine(Directory, "spdk_rdma_fixture");
        Snapshot = Path.Combine(Directory, "snapshot.json");
        Run("gcc", $"-g -O0 -Wall -Wextra -Werror -o {Binary} {RepoPaths.Fixture}", Directory);
        Core = DumpWhileWaiting(variant);
        var gdb = Run("gdb", $"-batch -x {RepoPaths.SnapshotScript} {Binary} {Core}", Directory, ("RDMA_SNAPSHOT_OUT", Snapshot));
        GdbOutput = gdb;
    }

    /// <summary>The fixture in its issue-#3463 state after the double insert.</summary>
    public static CoreDump Corrupted => Variants["corrupted"].Value;

    /// <summary>The consistent state just before the flushed READ is reaped.</summary>
    public static CoreDump BeforeDrain => Variants["before-drain"].Value;

    public string Directory { get; }

    public string Binary { get; }

    public string Core { get; }

    /// <summary>The JSON the gdb script wrote.</summary>
    public string Snapshot { get; }

    public string GdbOutput { get; }

    private string DumpWhileWaiting(string variant)
    {
        using var fixture = Start(Binary, variant, Directory);
        try
        {
            var ready = fixture.StandardOutput.ReadLine();
            if (ready == null || !ready.StartsWith("ready ", StringComparison.Ordinal))
            {
                throw new Xunit.Sdk.XunitException($"the fixture did not get ready: '{ready}' {fixture.StandardError.ReadToEnd()}");
            }

            var prefix = Path.Combine(Directory, "core");
            Run("gcore", $"-o {prefix} {fixture.Id.ToString(CultureInfo.InvariantCulture)}", Directory);
            return $"{prefix}.{fixture.Id.ToString(CultureInfo.InvariantCulture)}";
        }
        finally
        {
            fixture.Kill();
            fixture.WaitForExit(StepTimeoutMs);
        }
    }

    private static Process Start(string file, string arguments, string directory, params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        try
        {
            return Process.Start(info) ?? throw new Xunit.Sdk.XunitException($"could not start {file}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{file} is not installed ({e.Message}): {InstallHint}");
        }
    }

    private static string Run(string file, string arguments, string directory, params (string Name, string Value)[] environment)
    {
        using var p = Start(file, arguments, directory, environment);
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(StepTimeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{file} {arguments} did not finish within {StepTimeoutMs} ms");
        }

        if (p.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"{file} {arguments} exited {p.ExitCode}:\n{stdout}\n{stderr.Result}");
        }

        return stdout + stderr.Result;
    }
}
