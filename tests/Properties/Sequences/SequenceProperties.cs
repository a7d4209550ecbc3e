using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using Harness.Sim.Scenarios;
using Harness.Tests.Properties.Support;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Sequences;

/// <summary>
/// Issue 5's properties over generated failure sequences, each run on the real target and host stacks on the
/// simulated fabric (<see cref="SequenceRun"/>, the same path as <c>harness replay</c>). Every run checks, after every
/// simulator event, the target's queue invariants and the reference model of its bookkeeping (in lockstep); every read
/// against the data last written; every command completed exactly once; nothing left after the qpairs and the
/// controller are gone. Counterexamples shrink and print as scenario files. Cases: <see cref="PropertyBudget.Cases"/>.
/// </summary>
public sealed class SequenceProperties
{
    [Fact]
    public void Queue_invariants_and_the_model_hold_after_every_step_of_any_failure_sequence() =>
        Check(FailureSequences.Arbitrary(), s => SequenceRun.Require(s, SequenceRun.Run(s)));

    [Fact]
    public void Every_command_completes_exactly_once_and_nothing_leaks_when_qpairs_fail_and_are_destroyed() =>
        Check(FailureSequences.Arbitrary(QpairFailures), s => SequenceRun.Require(s, SequenceRun.Run(s)));

    [Fact]
    public void Data_read_back_equals_data_last_written_through_overlapping_writes_and_faults() =>
        Check(FailureSequences.Arbitrary(OverlappingIo), s => SequenceRun.Require(s, SequenceRun.Run(s)));

    [Fact]
    public void The_same_seed_and_sequence_give_the_same_trace_hash() =>
        Check(FailureSequences.Arbitrary(), Math.Max(1, PropertyBudget.Cases / 2), s =>
        {
            var first = SequenceRun.Run(s);
            var second = SequenceRun.Run(s);
            Assert.True(first.TraceHash == second.TraceHash, $"trace hashes differ: {first.TraceHash} then {second.TraceHash}\n{s}");
            Assert.Equal(first.BrokenInvariant, second.BrokenInvariant);
        });

    /// <summary>Sequences where qpairs die while commands are in flight: disconnects, flush storms, resets, reconnects.</summary>
    private static Gen<Scenario> QpairFailures { get; } =
        from seed in Gen.Choose(1, 1_000_000)
        from qpairs in Gen.Choose(1, 2)
        from depth in Gen.Choose(2, 8)
        from steps in Gen.Choose(2, FailureSequences.CommandsMax).SelectMany(n => Gen.ArrayOf(Gen.Frequency(
            (4, FailureSequences.Command(qpairs).Where(c => c is WriteCommand or ReadCommand)),
            (2, from ns in Gen.Elements(1_000L, 4_000L, 20_000L) select (ScenarioCommand)new WaitCommand(ns)),
            (1, from q in Gen.Choose(0, qpairs) from side in Gen.Elements("target", "host") select (ScenarioCommand)new DisconnectCommand($"{side}/{q}")),
            (1, from q in Gen.Choose(1, qpairs) from side in Gen.Elements("target", "host") select (ScenarioCommand)new ForceQpErrorCommand($"{side}/{q}")),
            (1, Gen.Constant((ScenarioCommand)new ResetCommand())),
            (1, from q in Gen.Choose(1, qpairs) select (ScenarioCommand)new ReconnectCommand(q))), n))
        select FailureSequences.New((ulong)seed, new ScenarioTopology { Qpairs = qpairs, QueueDepth = depth, ReadDepth = 4, Target = new ScenarioTargetOptions { InCapsuleDataSize = FailureSequences.InCapsuleFloorBytes } },
            steps, Array.Empty<FaultSpec>());

    /// <summary>Writes and reads over four LBAs, with WR errors and flushes between them.</summary>
    private static Gen<Scenario> OverlappingIo { get; } =
        from seed in Gen.Choose(1, 1_000_000)
        from steps in Gen.Choose(2, FailureSequences.CommandsMax).SelectMany(n => Gen.ArrayOf(Gen.Frequency(
            (4, from lba in Gen.Choose(0, 3) from b in Gen.Choose(1, 4) select (ScenarioCommand)new WriteCommand(1, lba, b) { Iovecs = FailureSequences.IovecsOf(b) }),
            (4, from lba in Gen.Choose(0, 3) from b in Gen.Choose(1, 4) select (ScenarioCommand)new ReadCommand(1, lba, b) { Iovecs = FailureSequences.IovecsOf(b) }),
            (2, from ns in Gen.Elements(1_000L, 4_000L, 20_000L) select (ScenarioCommand)new WaitCommand(ns)),
            (1, Gen.Constant((ScenarioCommand)new SettleCommand())),
            (1, Gen.Constant((ScenarioCommand)new ForceQpErrorCommand("target/1"))),
            (1, Gen.Constant((ScenarioCommand)new ReconnectCommand(1)))), n))
        from faults in Gen.Choose(0, 1).SelectMany(n => Gen.ArrayOf(FailureSequences.Fault(1), n))
        select FailureSequences.New((ulong)seed, new ScenarioTopology { QueueDepth = 8, ReadDepth = 2, Target = new ScenarioTargetOptions { InCapsuleDataSize = FailureSequences.InCapsuleFloorBytes } },
            steps, faults);

    private static void Check(Arbitrary<Scenario> arbitrary, Action<Scenario> body, [CallerMemberName] string test = "") =>
        Check(arbitrary, PropertyBudget.Cases, body, test);

    private static void Check(Arbitrary<Scenario> arbitrary, int cases, Action<Scenario> body, [CallerMemberName] string test = "") =>
        PropertyCheck.One(Prop.ForAll(arbitrary, body), cases, test);
}
