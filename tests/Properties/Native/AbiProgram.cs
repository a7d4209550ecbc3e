using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Harness.Tests.Properties.Native;

/// <summary>
/// The C side of the ABI test: a program generated from <see cref="AbiCatalog"/> that prints <c>sizeof</c>,
/// <c>offsetof</c> and the value of every constant, compiled once with the system gcc against the installed rdma-core
/// headers (no linking against the libraries), run, and parsed. gcc or the headers missing is an error that says to
/// run tools/test.sh, which installs them.
/// </summary>
internal sealed class AbiProgram
{
    public const string InstallHint = "run tools/test.sh, which installs the missing packages (gcc, libibverbs-dev, librdmacm-dev) before running the tests";

    private static readonly Lazy<AbiProgram> Shared = new(() => new AbiProgram(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Dictionary<string, long> _values = new(StringComparer.Ordinal);

    private AbiProgram()
    {
        Source = Generate();
        try
        {
            Run();
        }
        catch (AbiProgramException e)
        {
            Error = e.Message;
        }
    }

    /// <summary>The program, compiled once per test run.</summary>
    public static AbiProgram Instance => Shared.Value;

    public string Source { get; }

    /// <summary>Why the program could not be built or run (then every ABI test fails with this).</summary>
    public string? Error { get; }

    public static string SizeKey(string cType) => $"S\t{cType}";

    public static string FieldKey(string cType, string member) => $"F\t{cType}\t{member}";

    public static string FieldSizeKey(string cType, string member) => $"Z\t{cType}\t{member}";

    public static string ConstantKey(string expression) => $"C\t{expression}";

    /// <summary>The value the C compiler gave for <paramref name="key"/>; fails the test when the program is unavailable.</summary>
    public long Value(string key)
    {
        if (Error != null)
        {
            Assert.Fail(Error);
        }

        return _values.TryGetValue(key, out var v) ? v : throw new Xunit.Sdk.XunitException($"the ABI program printed no value for {key.Replace('\t', ' ')}");
    }

    private static string Generate()
    {
        var c = new StringBuilder();
        c.AppendLine("#include <stdio.h>\n#include <stddef.h>\n#include <errno.h>\n#include <fcntl.h>");
        c.AppendLine("#include <sys/socket.h>\n#include <netinet/in.h>\n#include <infiniband/verbs.h>\n#include <rdma/rdma_cma.h>");
        c.AppendLine("int main(void)\n{");
        foreach (var s in AbiCatalog.Structs)
        {
            c.AppendLine(CultureInfo.InvariantCulture, $"    printf(\"S\\t%s\\t%zu\\n\", \"{s.CType}\", sizeof({s.CType}));");
            foreach (var f in s.Fields)
            {
                c.AppendLine(CultureInfo.InvariantCulture, $"    printf(\"F\\t%s\\t%s\\t%zu\\n\", \"{s.CType}\", \"{f.CMember}\", offsetof({s.CType}, {f.CMember}));");
                c.AppendLine(CultureInfo.InvariantCulture, $"    printf(\"Z\\t%s\\t%s\\t%zu\\n\", \"{s.CType}\", \"{f.CMember}\", sizeof((({s.CType} *)0)->{f.CMember}));");
            }
        }

        foreach (var k in AbiCatalog.Constants)
        {
            c.AppendLine(CultureInfo.InvariantCulture, $"    printf(\"C\\t%s\\t%lld\\n\", \"{k.CExpression}\", (long long)({k.CExpression}));");
        }

        c.AppendLine("    return 0;\n}");
        return c.ToString();
    }

    private void Run()
    {
        var dir = Directory.CreateTempSubdirectory("harness-abi-");
        try
        {
            var source = Path.Combine(dir.FullName, "abi.c");
            var exe = Path.Combine(dir.FullName, "abi");
            File.WriteAllText(source, Source);
            var (cc, ccOut) = Exec("gcc", ["-std=gnu11", "-O0", "-w", "-o", exe, source], "gcc");
            if (cc != 0)
            {
                var missingHeader = ccOut.Contains("No such file or directory", StringComparison.Ordinal);
                throw new AbiProgramException(missingHeader
                    ? $"rdma-core headers missing (libibverbs-dev / librdmacm-dev): {InstallHint}.\n{ccOut}"
                    : $"the ABI program does not compile: a C# name has no C counterpart (gcc names it below).\n{ccOut}");
            }

            var (rc, output) = Exec(exe, [], "the ABI program");
            if (rc != 0)
            {
                throw new AbiProgramException($"the ABI program exited with {rc}:\n{output}");
            }

            Parse(output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private void Parse(string output)
    {
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var cut = line.LastIndexOf('\t');
            _values[line[..cut]] = long.Parse(line[(cut + 1)..], CultureInfo.InvariantCulture);
        }
    }

    private static (int ExitCode, string Output) Exec(string file, string[] args, string what)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                p.Kill(entireProcessTree: true);
                throw new AbiProgramException($"{what} did not finish within 2 minutes");
            }

            return (p.ExitCode, stdout.Result + stderr.Result);
        }
        catch (Win32Exception e)
        {
            throw new AbiProgramException(file == "gcc"
                ? $"gcc could not be started ({e.Message}): gcc is missing; {InstallHint}"
                : $"{what} could not be started ({e.Message}): is the temporary directory mounted noexec? Point TMPDIR at one that is not");
        }
    }
}
