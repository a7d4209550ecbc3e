using Harness.HardwareRunner.Scenarios;
using Harness.Sim.Scenarios;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Sequences;

/// <summary>
/// The reference model has teeth of its own: a transport that keeps every request on the right queue but serves the
/// READ queue out of arrival order passes the membership checks and must still be caught by the model.
/// </summary>
public sealed class ModelTeethTests
{
    [Fact]
    public void Writes_taken_off_the_read_queue_out_of_arrival_order_are_caught_by_the_model_alone()
    {
        // Read depth 1: three 4-block writes queue on pending_rdma_read_queue behind each other.
        var scenario = FailureSequences.New(7, new ScenarioTopology { QueueDepth = 4, ReadDepth = 1, Target = new ScenarioTargetOptions { InCapsuleDataSize = FailureSequences.InCapsuleFloorBytes } },
            new ScenarioCommand[] { new WriteCommand(1, 0, 4) { Iovecs = 4 }, new WriteCommand(1, 4, 4) { Iovecs = 4 }, new WriteCommand(1, 8, 4) { Iovecs = 4 }, new SettleCommand() }, Array.Empty<FaultSpec>());
        using var run = new CommandRun(scenario, KnownDefectNames.FromEnvironment(), null);
        var swapped = false;
        run.AfterEvent = () =>
        {
            var qpair = run.Transport.Qpairs.LastOrDefault(q => q.Qid == 1);
            var queue = qpair?.PendingRdmaReadQueue;
            var second = queue?.First == null ? null : Stailq<RdmaRequest, StateLink>.Next(queue.First);
            if (swapped || second == null || Stailq<RdmaRequest, StateLink>.Next(second) == null)
            {
                return;
            }

            // Move the head to the tail: still exactly the same members, now in the wrong order.
            var head = queue!.RemoveHead();
            queue.InsertTail(head);
            swapped = true;
        };

        var broken = run.Run();

        Assert.True(swapped, "the scenario never had three writes waiting on the READ queue");
        Assert.NotNull(broken);
        Assert.Equal(ScenarioInvariants.ModelAgreement, broken.Value.Invariant);
        Assert.Contains("pending_rdma_read_queue", broken.Value.Detail, StringComparison.Ordinal);
        Assert.Contains("arrival order", broken.Value.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_scenario_without_the_tampering_passes()
    {
        var scenario = FailureSequences.New(7, new ScenarioTopology { QueueDepth = 4, ReadDepth = 1, Target = new ScenarioTargetOptions { InCapsuleDataSize = FailureSequences.InCapsuleFloorBytes } },
            new ScenarioCommand[] { new WriteCommand(1, 0, 4) { Iovecs = 4 }, new WriteCommand(1, 4, 4) { Iovecs = 4 }, new WriteCommand(1, 8, 4) { Iovecs = 4 }, new SettleCommand() }, Array.Empty<FaultSpec>());
        using var run = new CommandRun(scenario, KnownDefectNames.FromEnvironment(), null);
        Assert.Null(run.Run());
    }
}
