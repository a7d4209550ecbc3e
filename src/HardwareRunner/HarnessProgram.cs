using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Harness.HardwareRunner.Cli;

namespace Harness.HardwareRunner;

/// <summary>
/// The <c>harness</c> command line. <see cref="Run(string[], TextWriter, TextWriter)"/> is the whole program, callable
/// in-process (tests do); <c>Program.cs</c> only binds it to the console. Exit codes (contract): 0 no invariant broke,
/// 1 an invariant broke, 2 bad usage or input.
/// </summary>
public static class HarnessProgram
{
    public const int ExitOk = 0;
    public const int ExitInvariantBroken = 1;
    public const int ExitUsage = 2;

    /// <summary>
    /// Runs the program with <paramref name="args"/>, writing to the given writers (in-process: tests): no progress bar,
    /// and <c>run</c> shows no progress at all, so what it writes does not depend on how long it took.
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, RunProgressOptions.None);

    /// <summary>
    /// As <see cref="Run(string[], TextWriter, TextWriter)"/>, as the <c>harness</c> program runs: with a progress bar
    /// when <paramref name="interactive"/> (stderr is a terminal), else plain progress lines on stderr for long work.
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive) => Run(args, stdout, stderr, RunProgressOptions.For(interactive));

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>, <c>run</c> showing its progress as <paramref name="progress"/> says (tests).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, RunProgressOptions progress)
    {
        // Everything any subcommand prints goes through one escaping writer: no text from an input reaches the terminal raw.
        stdout = PrintableWriter.Wrap(stdout);
        stderr = PrintableWriter.Wrap(stderr);
        var root = BuildCommand(stdout, stderr, progress);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction or null)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine($"harness: {error.Message}");
            }

            // The full path of a nested subcommand (harness coverage merge), not only its last name.
            var names = new List<string>();
            for (var r = parse.CommandResult; r.Command != root; r = (CommandResult)r.Parent!)
            {
                names.Insert(0, r.Command.Name);
            }

            var command = string.Join(' ', ["harness", .. names]);
            stderr.WriteLine($"usage: {command} --help");
            return ExitUsage;
        }

        return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
    }

    private static RootCommand BuildCommand(TextWriter stdout, TextWriter stderr, RunProgressOptions progress)
    {
        var root = new RootCommand("Deterministic simulation and fault-injection harness for the NVMe-oF RDMA transport.");
        root.Add(new RunCommandLine().Build(stdout, stderr, progress));
        root.Add(BuildDevices(stdout, stderr));
        root.Add(new ReplayCommandLine().Build(stdout, stderr));
        root.Add(ImportLogCommand.Build(stdout, stderr));
        root.Add(ImportCoreCommand.Build(stdout, stderr));
        root.Add(RenderCommand.Build(stdout, stderr));
        root.Add(SweepCommand.Build(stdout, stderr, interactive: progress.Style == RunProgressStyle.Bar));
        root.Add(CoverageCommand.Build(stdout, stderr));
        root.SetAction(_ =>
        {
            stderr.WriteLine("harness: a command is required (run, replay, import-log, import-core, render, sweep, coverage, devices)");
            stderr.WriteLine("usage: harness --help");
            return ExitUsage;
        });
        return root;
    }

    private static Command BuildDevices(TextWriter stdout, TextWriter stderr)
    {
        var devices = new Command("devices", "List the machine's verbs (RDMA) devices; exit 2 when there are none.");
        devices.SetAction(_ => DevicesCommand.Execute(stdout, stderr));
        return devices;
    }
}
