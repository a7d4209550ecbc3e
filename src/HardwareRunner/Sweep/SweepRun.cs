using System.Globalization;
using Harness.HardwareRunner.Cli;
using Harness.HardwareRunner.Reports;
using Harness.Sim.Coverage;
using Harness.Sim.Files;
using Harness.Sim.Scenarios;
using Process = System.Diagnostics.Process;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace Harness.HardwareRunner.Sweep;

/// <summary>
/// <c>harness sweep</c>: this shard's seeds, each a <c>harness run</c> with swarm faults, on <see cref="SweepSettings.Workers"/>
/// threads (each simulation single-threaded and deterministic: a seed gives the same trace hash whatever the worker
/// count); a progress bar on a terminal, plain progress lines otherwise; then the failing seeds with the command that
/// replays each, each (up to <see cref="SweepSettings.MinimiseMax"/>) minimised and saved as a scenario; the JUnit XML;
/// the summary with seeds per second. Exit 0 when every seed passed, 1 when one failed.
/// </summary>
public sealed class SweepRun
{
    /// <summary>Seeds one process runs at most (a bigger sweep is sharded).</summary>
    public const ulong SeedsPerProcessMax = 10_000_000;

    /// <summary>Plain progress lines at most (one per tenth of the seeds, or per <see cref="PlainProgressIntervalMs"/>).</summary>
    public const int PlainProgressLines = 10;

    /// <summary>Longest gap between plain progress lines.</summary>
    public const int PlainProgressIntervalMs = 30_000;

    private const int ProgressPollMs = TerminalProgress.PollMs;

    private readonly SweepSettings _s;
    private readonly TextWriter _stdout;
    private readonly TextWriter _stderr;
    private readonly bool _interactive;
    private readonly RunPhases _phases = new();
    private int _done;
    private int _failed;

    public SweepRun(SweepSettings settings, TextWriter stdout, TextWriter stderr, bool interactive)
    {
        _s = settings;
        _stdout = stdout;
        _stderr = stderr;
        _interactive = interactive;
    }

    /// <summary>What the seeds reached, merged (after <see cref="Execute"/> with <see cref="SweepSettings.CountsCoverage"/>), else null.</summary>
    public CoverageMap? Coverage { get; private set; }

    /// <summary>Every seed's result in seed order (after <see cref="Execute"/>).</summary>
    public IReadOnlyList<SeedResult> Results { get; private set; } = Array.Empty<SeedResult>();

    /// <summary>
    /// Runs the sweep; returns the exit code: 0 every seed passed, 1 one failed, 2 an output could not be written (the
    /// failing seeds and their replay commands are printed before any file is written, so they are never lost).
    /// </summary>
    public int Execute()
    {
        var seeds = _s.Shard.Seeds(_s.Seeds).ToArray();
        _stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sweep: seeds {_s.Seeds} shard {_s.Shard} ({_s.Shard.Source}): {seeds.Length} seed(s), faults {_s.Faults}, defects {(_s.Defects.Count == 0 ? "none" : string.Join(", ", _s.Defects))}, {_s.Workers} worker(s); each seed: harness run --ios {_s.Ios} --qpairs {_s.Qpairs} --qd {_s.QueueDepth} --io-size {_s.IoSize}{(_s.Paranoid ? " --paranoid" : string.Empty)}"));
        var wall = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        Results = RunAll(seeds);
        wall.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var failing = Results.Where(r => r.Failed).ToList();
        ListFailures(failing);
        var writesOk = SaveScenarios(failing, out var saved);
        Summary(failing, wall.Elapsed, cpu);
        PrintCoverage();
        writesOk &= WriteCoverageJson();
        writesOk &= WriteJunit(saved);
        return !writesOk ? HarnessProgram.ExitUsage : failing.Count == 0 ? HarnessProgram.ExitOk : HarnessProgram.ExitInvariantBroken;
    }

    private SeedResult[] RunAll(ulong[] seeds)
    {
        var results = new SeedResult[seeds.Length];
        var next = -1;
        var threads = Enumerable.Range(0, Math.Max(1, Math.Min(_s.Workers, seeds.Length))).Select(_ => new Thread(() =>
        {
            for (var i = Interlocked.Increment(ref next); i < seeds.Length; i = Interlocked.Increment(ref next))
            {
                results[i] = SeedRunner.Run(_s, seeds[i], _phases);
                if (results[i].Failed)
                {
                    Interlocked.Increment(ref _failed);
                }

                Interlocked.Increment(ref _done);
            }
        })
        { IsBackground = true, Name = "harness sweep worker" }).ToList();
        threads.ForEach(t => t.Start());
        if (_interactive)
        {
            ProgressBar(threads, seeds.Length);
        }
        else
        {
            PlainProgress(threads, seeds.Length);
        }

        threads.ForEach(t => t.Join());
        return results;
    }

    private void ProgressBar(List<Thread> threads, int total) =>
        TerminalProgress.Show(_stderr, total, () => Volatile.Read(ref _done),
            () => string.Create(CultureInfo.InvariantCulture, $"seeds ({Volatile.Read(ref _failed)} failed)"), () => !threads.Any(t => t.IsAlive));

    private void PlainProgress(List<Thread> threads, int total)
    {
        var step = Math.Max(1, total / PlainProgressLines);
        var clock = Stopwatch.StartNew();
        var lastLine = 0L;
        var reported = 0;
        while (threads.Any(t => t.IsAlive))
        {
            Thread.Sleep(ProgressPollMs);
            var done = Volatile.Read(ref _done);
            if ((done - reported >= step && done < total) || clock.ElapsedMilliseconds - lastLine >= PlainProgressIntervalMs)
            {
                reported = done;
                lastLine = clock.ElapsedMilliseconds;
                _stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"sweep: {done}/{total} seeds, {Volatile.Read(ref _failed)} failed, {done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):0.0} seeds/s"));
            }
        }
    }

    /// <summary>Each failing seed with its fault line and the command that replays it, before anything is written.</summary>
    private void ListFailures(List<SeedResult> failing)
    {
        foreach (var f in failing)
        {
            _stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FAIL seed {f.Seed}: {f.Invariant}: {FirstLine(f.Detail)}"));
            _stdout.WriteLine("  " + f.FaultLine);
            _stdout.WriteLine("  replay: " + f.Replay);
        }

        _stdout.Flush();
    }

    /// <summary>
    /// The first <see cref="SweepSettings.MinimiseMax"/> failing seeds minimised (in parallel), each scenario kept only
    /// when it replays (<see cref="ScenarioKeeper"/>), saved and reported; seed → saved file. False when a file could not be written.
    /// </summary>
    private bool SaveScenarios(List<SeedResult> failing, out Dictionary<ulong, (string Path, KeptForm Form)> saved)
    {
        saved = new Dictionary<ulong, (string, KeptForm)>();
        var chosen = failing.Take(_s.MinimiseMax).ToArray();
        var ok = true;
        if (chosen.Length > 0)
        {
            var keeper = new ScenarioKeeper(_s);
            var kept = new KeptScenario[chosen.Length];
            Parallel.For(0, chosen.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _s.Workers) }, i => kept[i] = keeper.Keep(chosen[i]));
            foreach (var k in kept)
            {
                ok &= Save(k, saved);
            }
        }

        if (failing.Count > chosen.Length)
        {
            _stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({failing.Count - chosen.Length} more failing seed(s) not minimised (--minimise {_s.MinimiseMax}); --minimise all saves every one)"));
        }

        return ok;
    }

    /// <summary>Writes one kept scenario and says which was saved and why; false when the file could not be written.</summary>
    private bool Save(KeptScenario k, Dictionary<ulong, (string Path, KeptForm Form)> saved)
    {
        var seed = k.Failed.Seed.ToString(CultureInfo.InvariantCulture);
        if (k.PathIn(_s.OutDir) is not { } path)
        {
            _stdout.WriteLine($"  seed {seed}: {k.Why}");
            return true;
        }

        var problem = OutputPath.WriteProblem(path, "--out", $"the scenario of seed {seed}", () =>
        {
            Directory.CreateDirectory(_s.OutDir);
            OutputFile.WriteText(path, k.Text!);
        });
        if (problem != null)
        {
            _stderr.WriteLine($"harness sweep: {problem}");
            return false;
        }

        saved[k.Failed.Seed] = (path, k.Form);
        _stdout.WriteLine($"  seed {seed}: {k.Why}: harness replay {ShellWord.Quote(path)}");
        return true;
    }

    /// <summary>
    /// The verdict, the rates, and where a seed's time goes. The process's CPU time counts every thread (the workers,
    /// the JIT's tiering, the GC, system time), so its seeds per CPU-second is what a core buys; the phase table counts
    /// only the simulation's thread.
    /// </summary>
    private void Summary(List<SeedResult> failing, TimeSpan wall, TimeSpan cpu)
    {
        var inv = CultureInfo.InvariantCulture;
        var byInvariant = failing.GroupBy(f => f.Invariant ?? "?").OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(inv, $"{g.Key} {g.Count()}"));
        var count = Results.Count;
        _stdout.WriteLine(string.Create(inv,
            $"sweep: {count} seed(s) run, {failing.Count} failed{(failing.Count > 0 ? " (" + string.Join(", ", byInvariant) + ")" : string.Empty)}; wall {wall.TotalSeconds:0.0} s on {_s.Workers} worker(s): {count / Math.Max(wall.TotalSeconds, 1e-9):0.00} seeds/s; process CPU {cpu.TotalSeconds:0.0} s: {count / Math.Max(cpu.TotalSeconds, 1e-9):0.0} seeds per CPU-second"));
        if (_phases.Runs > 0)
        {
            _stdout.Write(_phases.Table());
        }

        _stdout.WriteLine(failing.Count == 0 ? "result: ok, no invariant broken on any seed" : string.Create(inv, $"result: {failing.Count} seed(s) broke an invariant"));
    }

    /// <summary>
    /// With <c>--coverage</c> or <c>--coverage-json</c>: every seed's coverage merged (in seed order; the counts are sums,
    /// so the worker count does not change them), then, with <c>--coverage</c>, the table.
    /// </summary>
    private void PrintCoverage()
    {
        if (!_s.CountsCoverage)
        {
            return;
        }

        Coverage = new CoverageMap();
        foreach (var r in Results)
        {
            if (r.Coverage != null)
            {
                Coverage.Merge(r.Coverage);
            }
        }

        if (_s.Coverage)
        {
            _stdout.Write(CoverageTable.Render(Coverage));
            _stdout.Flush();
        }
    }

    /// <summary>Writes the coverage JSON (whole or not at all); false, with the error said, when it could not be written.</summary>
    private bool WriteCoverageJson()
    {
        if (_s.CoverageJsonPath is not { } path)
        {
            return true;
        }

        var problem = OutputPath.WriteProblem(path, "--coverage-json", "the coverage", () => CoverageFile.Save(path, Coverage!, [_s.CoverageSource]));
        if (problem != null)
        {
            _stderr.WriteLine($"harness sweep: {problem}");
            return false;
        }

        _stdout.WriteLine($"coverage json: {path}");
        return true;
    }

    /// <summary>Writes the JUnit report (whole or not at all); false, with the error said, when it could not be written.</summary>
    private bool WriteJunit(Dictionary<ulong, (string Path, KeptForm Form)> saved)
    {
        if (_s.JunitPath is not { } path)
        {
            return true;
        }

        var problem = OutputPath.WriteProblem(path, "--junit", "the report", () => JUnitWriter.WriteFile(Junit(saved), path));
        if (problem != null)
        {
            _stderr.WriteLine($"harness sweep: {problem}");
            return false;
        }

        _stdout.WriteLine($"junit: {path}");
        return true;
    }

    private JUnitReport Junit(Dictionary<ulong, (string Path, KeptForm Form)> saved)
    {
        var suite = new JUnitSuite("harness.sweep");
        suite.Properties.Add(new("seeds", _s.Seeds.ToString()));
        suite.Properties.Add(new("shard", _s.Shard.ToString()));
        suite.Properties.Add(new("faults", _s.Faults));
        suite.Properties.Add(new("defects", string.Join(",", _s.Defects)));
        suite.Properties.Add(new("ios", _s.Ios.ToString(CultureInfo.InvariantCulture)));
        foreach (var r in Results)
        {
            var replay = "replay: " + r.Replay + (saved.TryGetValue(r.Seed, out var s) ? $"\n{s.Form.ToString().ToLowerInvariant()}: harness replay {ShellWord.Quote(s.Path)}" : string.Empty);
            suite.Cases.Add(new JUnitCase
            {
                ClassName = "harness.sweep." + _s.Faults,
                Name = string.Create(CultureInfo.InvariantCulture, $"seed {r.Seed}"),
                Time = r.Wall,
                Outcome = !r.Failed ? JUnitOutcome.Passed : r.Exit == HarnessProgram.ExitInvariantBroken ? JUnitOutcome.Failed : JUnitOutcome.Error,
                FailureType = r.Invariant,
                Message = r.Failed ? $"{r.Invariant}: {FirstLine(r.Detail)}" : null,
                Details = r.Failed ? $"{r.Detail}\n{r.FaultLine}\n{replay}" : null,
                SystemOut = $"{r.FaultLine}\ntrace-hash: {r.TraceHash}",
            });
        }

        var report = new JUnitReport("harness sweep");
        report.Suites.Add(suite);
        return report;
    }

    private static string? FirstLine(string? s) => s?.Split('\n', 2)[0];
}
