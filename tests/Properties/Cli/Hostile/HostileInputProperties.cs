using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Harness.Tests.Properties.Support;

namespace Harness.Tests.Properties.Cli.Hostile;

/// <summary>
/// The command line's promise as a property (issue 14): whatever it is given — random bytes, truncated or mutated
/// scenarios, snapshots, traces, logs and counters, invalid UTF-8, duplicated keys, hostile numbers, folders and
/// missing files as inputs, unwritable, missing or folder output paths, nonsense options — every subcommand, run in
/// this process, exits 0, 1 or 2; no exception escapes and no stack trace or .NET type name is printed; exit 2 names
/// the argument, file or field; no control character from the input reaches the terminal; inputs are never
/// changed; and a refused or failed command leaves no output and no temporary file behind.
/// </summary>
public sealed partial class HostileInputProperties
{
    /// <summary>Cases in CI (each one invocation; most are refused at once, some run a small simulation).</summary>
    public const int Cases = 150;

    [HarnessProperty(MaxTest = Cases)]
    public Property Every_subcommand_exits_0_1_or_2_names_what_is_wrong_and_leaves_nothing_half_written() =>
        Prop.ForAll(Arb.From(HostileGen.Cases), c => true.ToProperty().Collect($"{c.Command} exit {Check(c)}"));

    /// <summary>Runs one case, checks every promise; returns the exit code (to show how the cases spread).</summary>
    private static int Check(HostileCase c)
    {
        var dir = Directory.CreateTempSubdirectory("harness-hostile-").FullName;
        try
        {
            var inv = c.Materialise(dir);
            HarnessRun run;
            try
            {
                run = HarnessRun.Of(inv.Args.ToArray());
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"an exception escaped `harness {Show(inv.Args)}`: {e}\ncase: {c}");
            }

            var context = $"`harness {Show(inv.Args)}`\ncase: {c}\n{run}";
            Assert.True(run.Exit is 0 or 1 or 2, $"exit {run.Exit} (only 0, 1, 2 exist): {context}");
            Assert.False(StackFrame().IsMatch(run.Stdout + run.Stderr), $"a stack trace was printed: {context}");
            Assert.False(TypeName().IsMatch(run.Stderr), $"a .NET type name was printed: {context}");
            Assert.False(run.Stdout.Concat(run.Stderr).Any(IsControl), $"a control character reached the terminal: {context}");
            if (run.Exit == 2)
            {
                Assert.True(NamesSomething(inv.Args, run.Stderr), $"exit 2 without naming the argument, file or field: {context}");
            }

            CheckFiles(inv, run.Exit, context);
            return run.Exit;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void CheckFiles(HostileInvocation inv, int exit, string context)
    {
        foreach (var (path, before) in inv.Inputs)
        {
            var after = File.Exists(path) ? File.ReadAllBytes(path) : null;
            Assert.True(before == null ? after == null : after != null && before.AsSpan().SequenceEqual(after), $"input {path} was changed: {context}");
        }

        foreach (var (path, before) in inv.Outputs)
        {
            var after = File.Exists(path) ? File.ReadAllBytes(path) : null;
            var untouched = before == null ? after == null : after != null && before.AsSpan().SequenceEqual(after);
            Assert.True(exit != 2 || untouched, $"refused (exit 2), yet output {path} was written: {context}");
        }

        var strays = Directory.EnumerateFileSystemEntries(inv.Dir, "*", SearchOption.AllDirectories)
            .Where(p => Path.GetFileName(p).StartsWith('.') || p.EndsWith(".tmp", StringComparison.Ordinal) || p.EndsWith(".probe", StringComparison.Ordinal))
            .ToArray();
        Assert.True(strays.Length == 0, $"temporary files left behind ({string.Join(", ", strays)}): {context}");
    }

    /// <summary>Exit 2 must say what is wrong: an argument (not the subcommand itself), a file's name, or an option.</summary>
    private static bool NamesSomething(List<string> args, string stderr)
    {
        if (args.Count <= 1)
        {
            return stderr.Length > 0;
        }

        return args.Skip(1).Where(a => a.Length >= 2).Any(a => stderr.Contains(a, StringComparison.Ordinal) || stderr.Contains(Path.GetFileName(a), StringComparison.Ordinal))
            || OptionName().IsMatch(stderr);
    }

    private static bool IsControl(char ch) => char.IsControl(ch) && ch is not ('\n' or '\r' or '\t');

    private static string Show(List<string> args) => string.Join(' ', args.Select(a => a.Length == 0 || a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a.Replace("\u001b", "\\e", StringComparison.Ordinal)));

    [GeneratedRegex(@"^\s+at [A-Za-z_.`<>\[\]]+\(", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    [GeneratedRegex(@"\bSystem\.[A-Z][A-Za-z]*|`\d+\[|[A-Za-z]Exception\b")]
    private static partial Regex TypeName();

    [GeneratedRegex(@"(^|[\s'""(])(--[a-z][a-z-]+|-o)\b")]
    private static partial Regex OptionName();
}
