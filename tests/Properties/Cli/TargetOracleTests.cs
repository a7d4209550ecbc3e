using Harness.HardwareRunner.Workloads;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Tests.Properties.Support;
using Harness.Transport.Invariants;
using Harness.Transport.Target;
using Harness.Transport.Threading;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// The target's invariants as <c>harness run</c> walks them (<see cref="TargetOracle"/>): not after a poll that reported
/// no work and moved no request, after every poll with <c>--paranoid</c>; either way the same run (same trace hash), and a
/// corruption is caught — by the next walk by default, by the walk right after the poll that made it when paranoid.
/// </summary>
public sealed class TargetOracleTests
{
    private const long RunLimitNs = 60_000_000_000;
    private const long CorruptAtNs = 400_000;

    [Fact]
    public void Idle_polls_are_not_walked_by_default_and_every_poll_is_when_paranoid_with_the_same_run()
    {
        var (quick, quickFabric) = Build(everyPoll: false);
        var (paranoid, paranoidFabric) = Build(everyPoll: true);

        quickFabric.Run(RunLimitNs, () => quick.Finished);
        paranoidFabric.Run(RunLimitNs, () => paranoid.Finished);

        Assert.True(quick.Violation == null, quick.Violation?.ToString());
        var (q, p) = (quick.Target!.Oracle!, paranoid.Target!.Oracle!);
        Assert.True(q.Skipped > q.Walks, $"default: {q.Walks} walks, {q.Skipped} idle polls skipped");
        Assert.Equal(0, p.Skipped);
        Assert.Equal(q.Walks + q.Skipped, p.Walks);
        Assert.Equal(quickFabric.Trace.HashHex, paranoidFabric.Trace.HashHex);
    }

    [Fact]
    public void A_counter_corrupted_by_an_idle_poll_is_caught_at_once_when_paranoid_and_by_the_next_walk_otherwise()
    {
        var paranoid = RunCorrupted(everyPoll: true);
        var quick = RunCorrupted(everyPoll: false);

        Assert.Equal(InvariantNames.DepthCounters, paranoid.Violation.Invariant);
        Assert.Equal(paranoid.CorruptedAtNs, paranoid.CaughtAtNs);
        Assert.Equal(InvariantNames.DepthCounters, quick.Violation.Invariant);
        Assert.True(quick.CaughtAtNs >= quick.CorruptedAtNs, $"caught at {quick.CaughtAtNs} ns before the corruption at {quick.CorruptedAtNs} ns");
    }

    private static (InvariantViolationException Violation, long CorruptedAtNs, long CaughtAtNs) RunCorrupted(bool everyPoll)
    {
        var (workload, fabric) = Build(everyPoll);
        var corrupter = new SendDepthCorrupter(workload.Transport, fabric.World, CorruptAtNs);
        workload.Transport.AcceptorThread!.AddPoller(corrupter); // a target reactor: the oracle follows its polls

        var violation = Assert.Throws<InvariantViolationException>(() => fabric.Run(RunLimitNs, () => workload.Finished));
        Assert.True(corrupter.CorruptedAtNs >= 0, "the corrupter never ran");
        return (violation, corrupter.CorruptedAtNs, fabric.World.NowNs);
    }

    private static (NvmfWorkload Workload, SimFabric Fabric) Build(bool everyPoll) =>
        NvmfWorkloadBed.Start(seed: 21, address => new NvmfWorkloadOptions
        {
            Ios = 600,
            QueueDepth = 8,
            TargetAddress = address,
            CheckEveryPoll = everyPoll,
        });

    /// <summary>Once, at or after <c>atNs</c>, raises an I/O qpair's current_send_depth with no WR behind it, and says it did nothing.</summary>
    private sealed class SendDepthCorrupter(NvmfRdmaTransport transport, SimWorld world, long atNs) : ITimedPoller
    {
        public string Name => "test.corrupt-send-depth";

        public long CorruptedAtNs { get; private set; } = -1;

        public long NextRunNs => CorruptedAtNs < 0 ? atNs : ITimedPoller.Never;

        public int Poll()
        {
            if (CorruptedAtNs < 0 && world.NowNs >= atNs && transport.Qpairs.FirstOrDefault(q => q.Qid > 0 && q.IsActive) is { } qpair)
            {
                qpair.CurrentSendDepth++;
                CorruptedAtNs = world.NowNs;
            }

            return 0; // a lie: it changed state and calls the poll idle
        }
    }
}
