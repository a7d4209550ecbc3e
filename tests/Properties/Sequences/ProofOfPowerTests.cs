using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Harness.HardwareRunner;
using Harness.Sim.Scenarios;
using Harness.Tests.Properties.Support;
using Harness.Transport.Target;
using Microsoft.FSharp.Core;
using Xunit.Abstractions;

namespace Harness.Tests.Properties.Sequences;

/// <summary>
/// Proof of power (issue 5): with <c>pending-read-queue-double-insert</c> switched on, FsCheck must find a failure
/// sequence that breaks the target's bookkeeping, for every one of <see cref="PropertyBudget.PowerSeeds"/> seeds, and
/// the shrunk counterexample must be the field bug's story: a RETRY_EXC_ERR (or flush) on a READ of a request that still
/// had data WRs to post. The test prints, per seed and as medians, how many generated cases it took and how many steps
/// the shrunk case has, and replays one counterexample with <c>harness replay</c> (exit 1 with the defect, 0 without).
/// </summary>
public sealed class ProofOfPowerTests(ITestOutputHelper output)
{
    private static readonly string[] BookkeepingInvariants = { "request-in-one-queue", "queue-state-consistent", "depth-counters", "no-leak-on-destroy", ScenarioInvariants.ModelAgreement };

    [Fact]
    public void FsCheck_finds_the_pending_read_queue_double_insert_and_shrinks_it_to_the_field_report()
    {
        var found = new List<Finding>();
        // CI searches from seeds 1..N; an exploratory run (HARNESS_PROPERTY_SEED) from N seeds after its own.
        var first = PropertySeed.IsDefault ? 1UL : PropertySeed.Value;
        for (var seed = first; seed < first + (ulong)PropertyBudget.PowerSeeds; seed++)
        {
            var finding = Search(seed);
            Assert.True(finding.CasesToFind > 0, $"seed {seed}: no counterexample in {PropertyBudget.PowerCasesMax} generated sequences with the defect switched on");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"seed {seed}: found after {finding.CasesToFind} cases; shrunk to {finding.ShrunkLength} steps ({finding.Runs} runs in all): {finding.Shrunk.Description} -> {finding.Outcome.BrokenInvariant}"));
            Assert.True(BookkeepingInvariants.Contains(finding.Outcome.BrokenInvariant),
                $"seed {seed}: the shrunk counterexample broke {finding.Outcome.BrokenInvariant}, not the target's bookkeeping: {finding.Outcome.Detail}\nsaved: {SequenceRun.Save(finding.Shrunk)}\n{finding.Shrunk}");
            Assert.True(finding.Outcome.Notes.Any(IsRetryOrFlushWithRemainingReads),
                $"seed {seed}: the shrunk counterexample has no RETRY_EXC_ERR or flush on a request with unposted data WRs:\n{string.Join("\n", finding.Outcome.Notes)}\n{finding.Shrunk}");
            found.Add(finding);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"proof of power over {found.Count} seeds: median {Median(found.Select(f => f.CasesToFind))} cases to find (min {found.Min(f => f.CasesToFind)}, max {found.Max(f => f.CasesToFind)}), median shrunk length {Median(found.Select(f => f.ShrunkLength))} steps (min {found.Min(f => f.ShrunkLength)}, max {found.Max(f => f.ShrunkLength)})"));
        ReplaysWithHarness(found.MinBy(f => f.ShrunkLength)!);
    }

    /// <summary>The counterexample, printed as a file with the defect switch in it, replays: exit 1; without the switch, exit 0.</summary>
    private void ReplaysWithHarness(Finding finding)
    {
        var withDefect = finding.Shrunk with { Name = "counterexample", Defects = new[] { KnownDefectNames.PendingReadQueueDoubleInsert } };
        var path = SequenceRun.Save(withDefect);
        output.WriteLine($"shortest counterexample, saved as {path}:\n{withDefect}");
        var stdout = new StringWriter(CultureInfo.InvariantCulture);
        var stderr = new StringWriter(CultureInfo.InvariantCulture);
        Assert.True(HarnessProgram.Run(new[] { "replay", path }, stdout, stderr) == 1, $"{stdout}\n{stderr}");
        Assert.Contains($"but {finding.Outcome.BrokenInvariant} broke", stdout.ToString(), StringComparison.Ordinal);
        if (KnownDefectNames.FromEnvironment() == KnownDefects.None)
        {
            var fixedPath = SequenceRun.Save(withDefect with { Name = "counterexample-fixed", Defects = null });
            Assert.True(HarnessProgram.Run(new[] { "replay", fixedPath }, stdout, stderr) == 0, $"{stdout}\n{stderr}");
        }
    }

    /// <summary>Runs FsCheck with <paramref name="seed"/> on "every sequence passes" with the defect on; records what it found.</summary>
    private static Finding Search(ulong seed)
    {
        var runs = 0;
        var casesToFind = 0;
        Scenario? shrunk = null;
        Harness.HardwareRunner.Scenarios.ScenarioOutcome? outcome = null;
        var property = Prop.ForAll(FailureSequences.Arbitrary(), s =>
        {
            runs++;
            var o = SequenceRun.Run(s, KnownDefects.PendingReadQueueDoubleInsert);
            if (!o.AsExpected)
            {
                casesToFind = casesToFind == 0 ? runs : casesToFind;
                (shrunk, outcome) = (s, o); // the last failing run FsCheck makes is the fully shrunk case
            }

            return o.AsExpected;
        });
        var config = Config.Quick.WithMaxTest(PropertyBudget.PowerCasesMax).WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, (seed * 2) + 1), FSharpOption<int>.None)))
            .WithRunner(new SilentRunner());
        Check.One(config, property);
        return new Finding(casesToFind, shrunk ?? new Scenario(), outcome!, runs);
    }

    private static bool IsRetryOrFlushWithRemainingReads(string note) =>
        note.Contains("while ", StringComparison.Ordinal) && note.Contains("not yet posted", StringComparison.Ordinal) &&
        (note.Contains("IBV_WC_RETRY_EXC_ERR", StringComparison.Ordinal) || note.Contains("IBV_WC_WR_FLUSH_ERR", StringComparison.Ordinal) ||
         note.Contains("WRs flush", StringComparison.Ordinal) || note.Contains("QP flushing", StringComparison.Ordinal));

    private static double Median(IEnumerable<int> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2.0;
    }

    private sealed record Finding(int CasesToFind, Scenario Shrunk, Harness.HardwareRunner.Scenarios.ScenarioOutcome Outcome, int Runs)
    {
        public int ShrunkLength => FailureSequences.Length(Shrunk);
    }

    /// <summary>FsCheck's report goes nowhere: the test reports what it measured itself.</summary>
    private sealed class SilentRunner : IRunner
    {
        public void OnStartFixture(Type t)
        {
        }

        public void OnArguments(int ntest, Microsoft.FSharp.Collections.FSharpList<object> args, FSharpFunc<int, FSharpFunc<Microsoft.FSharp.Collections.FSharpList<object>, string>> every)
        {
        }

        public void OnShrink(Microsoft.FSharp.Collections.FSharpList<object> args, FSharpFunc<Microsoft.FSharp.Collections.FSharpList<object>, string> everyShrink)
        {
        }

        public void OnFinished(string name, TestResult testResult)
        {
        }
    }
}
