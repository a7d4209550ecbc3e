using System.CommandLine;
using System.CommandLine.Invocation;
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

    /// <summary>Runs the program with <paramref name="args"/>, writing to the given writers; no progress bar.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, interactive: false);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>; <paramref name="interactive"/> (stderr is a terminal) allows a progress bar.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive)
    {
        var root = BuildCommand(stdout, stderr, interactive);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction or null)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine($"harness: {error.Message}");
            }

            var command = parse.CommandResult.Command == root ? "harness" : $"harness {parse.CommandResult.Command.Name}";
            stderr.WriteLine($"usage: {command} --help");
            return ExitUsage;
        }

        return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
    }

    private static RootCommand BuildCommand(TextWriter stdout, TextWriter stderr, bool interactive)
    {
        var root = new RootCommand("Deterministic simulation and fault-injection harness for the NVMe-oF RDMA transport.");
        root.Add(BuildRun(stdout, stderr, interactive));
        root.Add(BuildDevices(stdout, stderr));
        root.SetAction(_ =>
        {
            stderr.WriteLine("harness: a command is required (run, devices)");
            stderr.WriteLine("usage: harness --help");
            return ExitUsage;
        });
        return root;
    }

    private static Command BuildRun(TextWriter stdout, TextWriter stderr, bool interactive)
    {
        var backend = new Option<string>("--backend")
        {
            Description = "Verbs backend: sim (simulated NIC and fabric) or ibverbs (real rdma-core; not in this build yet).",
            HelpName = "sim|ibverbs",
            DefaultValueFactory = _ => BackendNames.Sim,
        };
        OneOf(backend, BackendNames.Names, "backend");
        var seed = new Option<ulong>("--seed") { HelpName = "N", Description = "The seed: it fixes everything on the simulated backend.", DefaultValueFactory = _ => 1 };
        var ios = new Option<int>("--ios") { HelpName = "N", Description = "Operations in total, split across the qpairs.", DefaultValueFactory = _ => 2000 };
        var qpairs = new Option<int>("--qpairs") { HelpName = "N", Description = "Connections (each its own CM id; one shared event channel per side).", DefaultValueFactory = _ => 1 };
        var qd = new Option<int>("--qd") { HelpName = "N", Description = "Queue depth: operations in flight per qpair.", DefaultValueFactory = _ => 16 };
        var ioSize = new Option<int>("--io-size") { Description = "Bytes per RDMA WRITE / READ.", HelpName = "BYTES", DefaultValueFactory = _ => 4096 };
        var faults = new Option<string>("--faults")
        {
            Description = "Fault profile: none, or swarm (the seed picks which fault kinds are on and their rates).",
            HelpName = "PROFILE",
            DefaultValueFactory = _ => FaultProfiles.None,
        };
        OneOf(faults, FaultProfiles.Names, "fault profile");
        var defect = new Option<string[]>("--defect")
        {
            Description = $"Switch on a known defect (repeatable): {string.Join(", ", KnownDefects.Names)}.",
            HelpName = "NAME",
        };
        defect.Validators.Add(result =>
        {
            foreach (var name in result.GetValueOrDefault<string[]>() ?? Array.Empty<string>())
            {
                if (!KnownDefects.IsKnown(name))
                {
                    result.AddError($"--defect {name}: unknown defect (known: {string.Join(", ", KnownDefects.Names)})");
                }
            }
        });
        var trace = new Option<string>("--trace") { Description = "Write the trace as JSON lines to FILE.", HelpName = "FILE" };

        var run = new Command("run", "Run a host+target RDMA workload with data verification; prints a summary ending with trace-hash.")
        {
            backend, seed, ios, qpairs, qd, ioSize, faults, defect, trace,
        };
        run.SetAction(parse =>
        {
            var settings = new RunSettings
            {
                Backend = parse.GetValue(backend)!,
                Seed = parse.GetValue(seed),
                Ios = parse.GetValue(ios),
                Qpairs = parse.GetValue(qpairs),
                QueueDepth = parse.GetValue(qd),
                IoSize = parse.GetValue(ioSize),
                Faults = parse.GetValue(faults)!,
                Defects = parse.GetValue(defect) ?? Array.Empty<string>(),
                TracePath = parse.GetValue(trace),
            };
            return RunCommand.Execute(settings, stdout, stderr, interactive);
        });
        return run;
    }

    private static Command BuildDevices(TextWriter stdout, TextWriter stderr)
    {
        var devices = new Command("devices", "List the machine's verbs (RDMA) devices; exit 2 when there are none.");
        devices.SetAction(_ => DevicesCommand.Execute(stdout, stderr));
        return devices;
    }

    private static void OneOf(Option<string> option, IReadOnlyList<string> known, string what) =>
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value != null && !known.Contains(value, StringComparer.Ordinal))
            {
                result.AddError($"{option.Name} {value}: unknown {what} (known: {string.Join(", ", known)})");
            }
        });
}
