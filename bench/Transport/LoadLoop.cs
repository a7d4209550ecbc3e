using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Harness.Tests.Properties.Support;

namespace Harness.Bench.Transport;

/// <summary>
/// <c>dotnet run -c Release --project bench -- loop --qpairs 1 --qd 128 --oracle off</c>: the end-to-end load of
/// <see cref="EndToEndBenchmarks"/> as a plain warmed loop, timed by the process's CPU time. BenchmarkDotNet's runs of
/// the same build differed by up to 35 % on this machine; this loop, run for two builds in turn, differed by about 2 %,
/// so README's before/after comparisons of issue 18 come from it. Not a BenchmarkDotNet benchmark: no statistics, one
/// process, the figures of each iteration printed as they come.
/// </summary>
public static class LoadLoop
{
    /// <summary>Commands run before the first timed iteration: about a second, for the JIT's tier-1 code to be in (30,000 were not).</summary>
    public const int WarmIosDefault = 200_000;

    /// <summary>Commands per timed iteration.</summary>
    public const int IosDefault = 100_000;

    /// <summary>Timed iterations.</summary>
    public const int IterationsDefault = 3;

    /// <summary>Parses <paramref name="args"/> (after <c>loop</c>) and runs; 2 on a usage error.</summary>
    public static int Run(string[] args)
    {
        var qpairs = Bounded("--qpairs", "I/O qpairs.", 1, 1, TransportLoadBed.QpairsMax);
        var qd = Bounded("--qd", "Commands in flight per qpair.", 128, 1, 4096);
        var ioBytes = Bounded("--io-size", "Bytes per command (a multiple of 4096).", 4096, 4096, 131_072);
        var ios = Bounded("--ios", "Commands per timed iteration.", IosDefault, 1, int.MaxValue);
        var warm = Bounded("--warm", "Commands before the first timed iteration.", WarmIosDefault, 0, int.MaxValue);
        var iterations = Bounded("--iterations", "Timed iterations.", IterationsDefault, 1, 1000);
        var oracle = new Option<string>("--oracle") { HelpName = "off|on|paranoid", Description = "The target's invariants: off, on (as harness run), or paranoid (the full walk after every poll).", DefaultValueFactory = _ => "off" };
        oracle.AcceptOnlyFromAmong("off", "on", "paranoid");
        ioBytes.Validators.Add(r => AddErrorUnless(r, r.GetValueOrDefault<int>() % 4096 == 0, "--io-size must be a multiple of 4096"));
        var command = new RootCommand("Warmed end-to-end load loop, timed by process CPU time.") { qpairs, qd, ioBytes, ios, warm, iterations, oracle };
        command.SetAction(parse =>
        {
            var mode = parse.GetValue(oracle)!;
            var settings = new LoadSettings
            {
                Qpairs = parse.GetValue(qpairs),
                QueueDepth = parse.GetValue(qd),
                IoBytes = parse.GetValue(ioBytes),
                Oracle = mode != "off",
                OracleEveryPoll = mode == "paranoid",
            };
            Loop(settings, mode, parse.GetValue(warm), parse.GetValue(ios), parse.GetValue(iterations));
            return 0;
        });
        var result = command.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine($"bench loop: {error.Message}");
            }

            return 2;
        }

        return result.Invoke();
    }

    private static void Loop(LoadSettings settings, string oracle, int warm, int ios, int iterations)
    {
        var inv = CultureInfo.InvariantCulture;
        var shape = string.Create(inv, $"{settings.Qpairs}qp-qd{settings.QueueDepth}-{settings.IoBytes / 1024}KiB, oracle {oracle}");
        using var bed = new TransportLoadBed(settings);
        bed.RunIos(warm);
        Console.WriteLine(string.Create(inv, $"{shape}: warmed with {warm} I/Os"));
        for (var i = 1; i <= iterations; i++)
        {
            var cpu0 = ProcessCpuClock.Instance.GetTimestamp();
            var bytes0 = GC.GetAllocatedBytesForCurrentThread();
            var events = bed.RunIos(ios);
            var cpuNs = ProcessCpuClock.Instance.GetTimestamp() - cpu0;
            var allocated = GC.GetAllocatedBytesForCurrentThread() - bytes0;
            Console.WriteLine(string.Create(inv,
                $"{shape}: iteration {i}: {ios} I/Os, {(double)cpuNs / ios / 1000:F3} µs CPU per I/O, {ios / (cpuNs / 1e9) / 1000:F1} k I/Os per CPU-second, {(double)events / ios:F1} events per I/O, {(double)allocated / ios:F1} B allocated per I/O"));
        }
    }

    private static Option<int> Bounded(string name, string description, int value, int min, int max)
    {
        var option = new Option<int>(name) { HelpName = "N", Description = description, DefaultValueFactory = _ => value };
        option.Validators.Add(r => AddErrorUnless(r, r.GetValueOrDefault<int>() >= min && r.GetValueOrDefault<int>() <= max,
            string.Create(CultureInfo.InvariantCulture, $"{name} must be in {min}..{max}")));
        return option;
    }

    private static void AddErrorUnless(OptionResult result, bool ok, string message)
    {
        if (!ok)
        {
            result.AddError(message);
        }
    }
}
