using System.Globalization;

namespace Harness.Tests.Properties.Cli.Hostile;

/// <summary>
/// One generated hostile invocation of <c>harness</c>, as plain data (so FsCheck prints it): the subcommand, which
/// sample it reads and how that is broken, where its output goes, and an index per option into tables of hostile
/// values. <see cref="Materialise"/> turns it into files in a scratch folder and the argument list.
/// </summary>
internal sealed record HostileCase(HostileCommand Command, int Sample, FileMutation Input, FileMutation Extra, OutputKind Output, int[] Choices)
{
    private static readonly string[][] RunOptions =
    {
        new[] { "--ios", "5", "20", "0", "-1", "abc", "1e3", "2147483648", "99999999999999999999" },
        new[] { "--qpairs", "1", "2", "0", "-3", "128", "100000", "x" },
        new[] { "--qd", "1", "4", "0", "-1", "129", "1000000", "q" },
        new[] { "--io-size", "4096", "8192", "0", "-4096", "4097", "131072", "1e9", "big" },
        new[] { "--rw-mix", "0.5", "0", "1", "-0.1", "1.5", "NaN", "Infinity", "1e300", "half" },
        new[] { "--seed", "1", "0", "-1", "18446744073709551615", "18446744073709551616", "seed" },
        new[] { "--faults", "none", "swarm", "retry-exceeded", "disconnects", "bogus", string.Empty },
        new[] { "--workload", "nvmf", "rdma", "other" },
    };

    private static readonly string[][] SweepOptions =
    {
        new[] { "--ios", "10", "0", "-5", "x", "1e2" },
        new[] { "--qpairs", "1", "0", "200", "x" },
        new[] { "--workers", "1", "2", "0", "-1", "1000" },
        new[] { "--minimise", "0", "1", "all", "-1", "x" },
        new[] { "--shard", "1/1", "2/1", "0/3", "1/0", "x" },
    };

    private static readonly string[] SweepSeeds = { "1..2", "2", "3..1", "0..0", "-1..2", "a..b", "1..", "..", "1..2..3", "18446744073709551615", "18446744073709551616" };

    private static readonly string[] Defects = [.. Harness.Transport.Target.KnownDefectNames.All, "nope", string.Empty];

    private static readonly string[][] RenderOptions =
    {
        new[] { "--from-us", "0", "100", "500", "1e300", "-5", "NaN", "Infinity", "abc" },
        new[] { "--until-us", "0", "100", "500", "1e300", "-5", "NaN", "abc" },
        new[] { "--context", "0", "-1", "300", "99999999999", "x" },
        new[] { "--records-max", "0", "-1", "10", "4000", "x" },
    };

    private static readonly string[] Names = { "ok", string.Empty, "../../escape", "a/b", "\u001b[31mred", "name with spaces" };

    private static readonly string[][] Bare =
    {
        Array.Empty<string>(), new[] { "nope" }, new[] { "run", "--nope" }, new[] { "devices" }, new[] { "replay" },
        new[] { "render" }, new[] { "sweep" }, new[] { "import-core", "--name" }, new[] { "--version" }, new[] { "coverage" },
        new[] { "coverage", "merge" }, new[] { "coverage", "merge", "--json" },
    };

    /// <summary>Options with a value a case may leave out (index 0 of a choice means "not given").</summary>
    private int Choice(int i, int count) => (int)((uint)Choices[i % Choices.Length] % (uint)count);

    /// <summary>Writes the case's files under <paramref name="dir"/> and returns what to run and what to check.</summary>
    public HostileInvocation Materialise(string dir)
    {
        var inv = new HostileInvocation(dir);
        switch (Command)
        {
            case HostileCommand.Replay:
                inv.Args.AddRange(new[] { "replay", inv.Input("scenario.json", Input, Pick(Samples.Scenarios)) });
                AddOutput(inv, "--trace", "replay.jsonl", optional: true);
                AddDefect(inv);
                break;
            case HostileCommand.ReplayFolder:
                var folder = Path.Combine(dir, "scenarios");
                Directory.CreateDirectory(folder);
                inv.Input(Path.Combine("scenarios", "a-broken.json"), Input, Pick(Samples.Scenarios));
                inv.Input(Path.Combine("scenarios", "b-valid.json"), new FileMutation(FileMutationKind.None, 0, 0), Samples.Scenarios[Sample % Samples.Scenarios.Count]);
                inv.Args.AddRange(new[] { "replay", folder });
                AddDefect(inv);
                break;
            case HostileCommand.ImportLog:
                inv.Args.AddRange(new[] { "import-log", inv.Input("nvmf.log", Input, Sample % 3 == 0 ? Samples.HostLog : Sample % 3 == 1 ? Samples.TargetLog : Pick(Samples.Scenarios)) });
                if (Choice(1, 2) == 1)
                {
                    inv.Args.AddRange(new[] { "--counters", inv.Input("mlx5_0.counters", Extra, Samples.Counters) });
                }

                AddOutput(inv, "-o", "imported.json", optional: false);
                AddName(inv);
                break;
            case HostileCommand.ImportCore:
                inv.Args.AddRange(new[] { "import-core", inv.Input("rdma-snapshot.json", Input, Samples.Snapshot) });
                AddOutput(inv, "-o", "core.json", optional: false);
                AddName(inv);
                break;
            case HostileCommand.Render:
                inv.Args.AddRange(new[] { "render", inv.Input("run.jsonl", Input, Samples.Trace) });
                AddOutput(inv, "-o", Choice(2, 2) == 0 ? "run.svg" : "run.html", optional: false);
                AddOptions(inv, RenderOptions, offset: 3);
                break;
            case HostileCommand.Run:
                inv.Args.Add("run");
                AddOptions(inv, RunOptions, offset: 1);
                AddOutput(inv, Choice(0, 2) == 0 ? "--trace" : "--junit", "run.out", optional: true);
                AddDefect(inv);
                break;
            case HostileCommand.Sweep:
                inv.Args.AddRange(new[] { "sweep", "--seeds", Choices[0] % 2 == 0 ? SweepSeeds[0] : SweepSeeds[Choice(0, SweepSeeds.Length)] });
                AddOptions(inv, SweepOptions, offset: 1);
                // Both outputs always named (a defect's failing seeds would otherwise be saved in the test's working
                // folder): one of the case's kind, the other a fresh path.
                var hostileJunit = Choice(7, 2) == 0;
                AddOutput(inv, "--junit", "sweep.xml", optional: false, hostileJunit ? Output : OutputKind.Fresh);
                AddOutput(inv, "--out", "sweep-failures", optional: false, hostileJunit ? OutputKind.Fresh : Output);
                AddDefect(inv);
                break;
            case HostileCommand.CoverageMerge:
                inv.Args.AddRange(new[] { "coverage", "merge", inv.Input("cov-1.json", Input, Samples.Coverage) });
                if (Choice(1, 2) == 1)
                {
                    inv.Args.Add(inv.Input("cov-2.json", Extra, Samples.Coverage));
                }

                AddOutput(inv, "--json", "merged.json", optional: true);
                break;
            default:
                inv.Args.AddRange(Bare[Choice(0, Bare.Length)]);
                break;
        }

        return inv;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Command} sample {Sample}, input {Input}, extra {Extra}, output {Output}, choices [{string.Join(", ", Choices)}]");

    private byte[] Pick(IReadOnlyList<byte[]> samples) => samples[Sample % samples.Count];

    /// <summary>
    /// Each option: a third of the cases leave it out, a third give its ordinary value (the table's first), a third any
    /// value of the table; so a good share of cases runs for real instead of stopping at the first bad option.
    /// </summary>
    private void AddOptions(HostileInvocation inv, string[][] table, int offset)
    {
        for (var i = 0; i < table.Length; i++)
        {
            var choice = Choices[(offset + i) % Choices.Length];
            if (choice % 3 == 0)
            {
                continue;
            }

            var value = choice % 3 == 1 ? table[i][1] : table[i][1 + (choice / 3 % (table[i].Length - 1))];
            inv.Args.AddRange(new[] { table[i][0], value });
        }
    }

    private void AddDefect(HostileInvocation inv)
    {
        var choice = Choice(Choices.Length - 1, Defects.Length * 4);
        if (choice < Defects.Length)
        {
            inv.Args.AddRange(new[] { "--defect", Defects[choice] });
        }
    }

    private void AddName(HostileInvocation inv)
    {
        var choice = Choice(Choices.Length - 2, Names.Length * 3);
        if (choice < Names.Length)
        {
            inv.Args.AddRange(new[] { "--name", Names[choice] });
        }
    }

    private void AddOutput(HostileInvocation inv, string option, string name, bool optional, OutputKind? kind = null)
    {
        if (optional && Choice(Choices.Length - 3, 3) == 0)
        {
            return;
        }

        inv.Args.AddRange(new[] { option, inv.Output(name, kind ?? Output) });
    }
}
