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
/// The target's invariants as <c>harness run</c> checks them (<see cref="TargetOracle"/>): after every poll, the checks of
/// what the poll changed (mutation counts) by default, the full walk with <c>--paranoid</c>; either way the same run (same
/// trace hash). A counted write is caught by the poll that made it either way, even one that calls itself idle; a write
/// no setter counts (an entry of a request's buffer array) at once when paranoid, by a later check otherwise.
/// </summary>
public sealed class TargetOracleTests
{
    private const long RunLimitNs = 60_000_000_000;
    private const long CorruptAtNs = 400_000;

    [Fact]
    public void Only_changed_qpairs_are_checked_by_default_and_every_poll_walks_all_when_paranoid_with_the_same_run()
    {
        var (quick, quickFabric) = Build(everyPoll: false);
        var (paranoid, paranoidFabric) = Build(everyPoll: true);

        quickFabric.Run(RunLimitNs, () => quick.Finished);
        paranoidFabric.Run(RunLimitNs, () => paranoid.Finished);

        Assert.True(quick.Violation == null, quick.Violation?.ToString());
        var (q, p) = (quick.Target!.Oracle!, paranoid.Target!.Oracle!);
        Assert.True(q.Memo.QpairsChecked > 0, "default: no qpair was ever checked");
        Assert.True(q.Memo.QpairsSkipped > q.Memo.QpairsChecked, $"default: {q.Memo.QpairsChecked} qpair checks, only {q.Memo.QpairsSkipped} skipped");
        Assert.True(p.Walks > 100 * q.Walks, $"paranoid: {p.Walks} full walks against the default's {q.Walks}");
        Assert.Equal(0, p.Memo.QpairsChecked + p.Memo.QpairsSkipped);
        Assert.Equal(quickFabric.Trace.HashHex, paranoidFabric.Trace.HashHex);
    }

    [Fact]
    public void A_counter_corrupted_by_a_poll_that_calls_itself_idle_is_caught_by_that_poll_either_way()
    {
        foreach (var everyPoll in new[] { true, false })
        {
            var run = RunCorrupted(everyPoll, transport => new SendDepthCorrupter(transport));
            Assert.Equal(InvariantNames.DepthCounters, run.Violation.Invariant);
            Assert.Equal(run.CorruptedAtNs, run.CaughtAtNs);
        }
    }

    [Fact]
    public void A_write_no_setter_counts_is_caught_at_once_when_paranoid_and_by_a_later_check_otherwise()
    {
        var paranoid = RunCorrupted(everyPoll: true, transport => new BufferEntryCorrupter(transport));
        var quick = RunCorrupted(everyPoll: false, transport => new BufferEntryCorrupter(transport));

        Assert.Equal(InvariantNames.BufferConservation, paranoid.Violation.Invariant);
        Assert.Equal(paranoid.CorruptedAtNs, paranoid.CaughtAtNs);
        Assert.Equal(InvariantNames.BufferConservation, quick.Violation.Invariant);
        Assert.True(quick.CaughtAtNs >= quick.CorruptedAtNs, $"caught at {quick.CaughtAtNs} ns before the corruption at {quick.CorruptedAtNs} ns");
    }

    [Fact]
    public void A_buffer_put_back_while_an_unchanged_request_holds_it_is_caught_by_that_poll_either_way()
    {
        foreach (var everyPoll in new[] { true, false })
        {
            var run = RunCorrupted(everyPoll, transport => new PutWhileHeldCorrupter(transport));
            Assert.Equal(InvariantNames.BufferConservation, run.Violation.Invariant);
            Assert.Contains("a put while still held", run.Violation.Message, StringComparison.Ordinal);
            Assert.Equal(run.CorruptedAtNs, run.CaughtAtNs);
        }
    }

    private static (InvariantViolationException Violation, long CorruptedAtNs, long CaughtAtNs) RunCorrupted(
        bool everyPoll, Func<NvmfRdmaTransport, Corrupter> corrupterOf)
    {
        var (workload, fabric) = Build(everyPoll);
        var corrupter = corrupterOf(workload.Transport);
        corrupter.World = fabric.World;
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

    /// <summary>Once, at or after <see cref="CorruptAtNs"/> and when it can, corrupts the target's state, and says it did nothing.</summary>
    private abstract class Corrupter : ITimedPoller
    {
        public SimWorld World { get; set; } = null!;

        public string Name => $"test.{GetType().Name}";

        public long CorruptedAtNs { get; private set; } = -1;

        public long NextRunNs => CorruptedAtNs < 0 ? CorruptAtNs : ITimedPoller.Never;

        public int Poll()
        {
            if (CorruptedAtNs < 0 && World.NowNs >= CorruptAtNs && TryCorrupt())
            {
                CorruptedAtNs = World.NowNs;
            }

            return 0; // a lie: it changed state and calls the poll idle
        }

        protected abstract bool TryCorrupt();

        /// <summary>The first live request whose first data buffer is from the small pool, or null.</summary>
        protected static RdmaRequest? SmallBufferHolder(NvmfRdmaTransport transport)
        {
            var holder = transport.Qpairs.Where(q => !q.Destroyed && q.Resources != null)
                .SelectMany(q => q.Resources!.Reqs).FirstOrDefault(r => r.BufferCount > 0);
            return holder != null && ReferenceEquals(transport.Buffers!.PoolFor(holder.BufferLengths[0]), transport.Buffers.Small) ? holder : null;
        }
    }

    /// <summary>Raises an I/O qpair's current_send_depth with no WR behind it (a setter: counted).</summary>
    private sealed class SendDepthCorrupter(NvmfRdmaTransport transport) : Corrupter
    {
        protected override bool TryCorrupt()
        {
            if (transport.Qpairs.FirstOrDefault(q => q.Qid > 0 && q.IsActive) is not { } qpair)
            {
                return false;
            }

            qpair.CurrentSendDepth++;
            return true;
        }
    }

    /// <summary>
    /// Puts a held buffer back into its pool behind its request's back and takes another that nobody holds: the pool's
    /// count still adds up, and no field of any request changed (only the pool's own count moved).
    /// </summary>
    private sealed class PutWhileHeldCorrupter(NvmfRdmaTransport transport) : Corrupter
    {
        protected override bool TryCorrupt()
        {
            if (SmallBufferHolder(transport) is not { } holder || transport.Buffers!.Small is not { Available: > 0 } pool)
            {
                return false;
            }

            _ = pool.TryGetOne(); // leaked: balances the count
            pool.Put(holder.Buffers[0]);
            return true;
        }
    }

    /// <summary>Points a request's first data buffer at one free in the pool, in place in its array (no setter: not counted).</summary>
    private sealed class BufferEntryCorrupter(NvmfRdmaTransport transport) : Corrupter
    {
        protected override bool TryCorrupt()
        {
            if (SmallBufferHolder(transport) is not { } holder)
            {
                return false;
            }

            var pool = transport.Buffers!.Small;

            holder.Buffers[0] = Enumerable.Range(0, pool.Count).First(b => !pool.InUse(b));
            return true;
        }
    }
}
