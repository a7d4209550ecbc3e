using System.Globalization;
using System.Text.RegularExpressions;
using Harness.HardwareRunner.Cli;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// Where a run's time goes (<see cref="RunPhases"/>): <c>harness run</c> says it per phase, the phases split the run's
/// events between them, <c>harness sweep</c> prints the mean per seed, and phases only move forward.
/// </summary>
public sealed partial class RunPhasesTests
{
    [Fact]
    public void A_run_says_where_its_time_went_and_its_phases_split_the_simulated_events()
    {
        var run = HarnessRun.Of("run", "--seed", "3", "--ios", "200", "--qpairs", "2");

        Assert.Equal(0, run.Exit);
        var line = Assert.Single(run.Lines, l => l.StartsWith("time (", StringComparison.Ordinal));
        var phaseEvents = PhaseEvents().Matches(line).Select(m => long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(3, phaseEvents.Length); // connect, I/O, teardown: setup and check run no event
        var total = long.Parse(SimulatedEvents().Match(run.Stdout).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(total, phaseEvents.Sum());
        Assert.Contains("setup ", line, StringComparison.Ordinal);
        Assert.Contains(", check ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sweep_prints_the_mean_per_seed_of_each_phase()
    {
        var sweep = HarnessRun.Of("sweep", "--seeds", "1..3", "--minimise", "0", "--workers", "1", "--ios", "100");

        Assert.Equal(0, sweep.Exit);
        Assert.Contains("where a seed's time goes (mean of 3 seed(s)", sweep.Stdout, StringComparison.Ordinal);
        foreach (var phase in new[] { "setup", "connect", "I/O", "teardown", "check", "release", "all" })
        {
            Assert.Contains(sweep.Lines, l => l.StartsWith(phase + " ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Phases_only_move_forward_and_a_finished_run_adds_into_a_total()
    {
        var phases = new RunPhases();
        phases.Begin(new PhaseCost(CpuNs: 0, AllocatedBytes: 0, Events: 0, VirtualNs: 0, Rounds: 0, IdleRounds: 0));
        phases.Enter(RunPhase.Io, new PhaseCost(10, 0, 5, 100, 3, 1));

        Assert.Throws<InvalidOperationException>(() => phases.Enter(RunPhase.Connect, new PhaseCost(20, 0, 6, 200, 4, 1)));
        var total = new RunPhases();
        Assert.Throws<InvalidOperationException>(() => total.Add(phases)); // still being measured
        phases.End(new PhaseCost(30, 0, 9, 300, 6, 2));
        total.Add(phases);
        total.Add(phases);
        Assert.Equal(2, total.Runs);
        Assert.Equal(new PhaseCost(20, 0, 10, 200, 6, 2), total[RunPhase.Setup]);
        Assert.Equal(new PhaseCost(40, 0, 8, 400, 6, 2), total[RunPhase.Io]);
        Assert.Equal(60, total.Total.CpuNs);
    }

    [Fact]
    public void Paranoid_checks_change_nothing_in_the_run_and_stay_in_its_replay_command()
    {
        var quick = HarnessRun.Of("run", "--seed", "4", "--ios", "300", "--faults", "swarm");
        var paranoid = HarnessRun.Of("run", "--seed", "4", "--ios", "300", "--faults", "swarm", "--paranoid");

        Assert.Equal(quick.Exit, paranoid.Exit);
        Assert.Equal(quick.TraceHash, paranoid.TraceHash);
        Assert.EndsWith(" --paranoid", new RunSettings { Seed = 4, Paranoid = true }.ReplayCommand(), StringComparison.Ordinal);
        Assert.DoesNotContain("--paranoid", new RunSettings { Seed = 4 }.ReplayCommand(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(connect|I/O|teardown) [0-9.]+ ms \((\d+) events")]
    private static partial Regex PhaseEvents();

    [GeneratedRegex(@"simulated events: (\d+)")]
    private static partial Regex SimulatedEvents();
}
