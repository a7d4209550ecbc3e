using System.Runtime.InteropServices;
using Harness.Transport.Invariants;

namespace Harness.Transport.Target;

/// <summary>The incremental form of the target's oracle: the checks of <see cref="CheckAll"/>, on what changed.</summary>
public static partial class TargetInvariants
{
    /// <summary>
    /// <see cref="CheckAll"/>'s checks, only for the qpairs, shared receive queues and iobuf pools whose mutation counts
    /// (<see cref="RdmaQpair.Mutations"/>, <see cref="RdmaResources.Mutations"/>, <see cref="BufferPool.Mutations"/>)
    /// moved since <paramref name="memo"/> saw them: the fields those checks read count their writes in their setters, so
    /// an unmoved count means the check would pass again. The entries of a request's buffer arrays have no setter and are
    /// not counted (a write there that changes nothing else waits for the next check that does run, or the full walk,
    /// which stays for a run's end and <c>--paranoid</c>).
    /// </summary>
    public static void CheckChanged(NvmfRdmaTransport transport, TargetCheckMemo memo)
    {
        var anyQpair = false;
        for (var i = 0; i < transport.Qpairs.Count; i++)
        {
            var qpair = transport.Qpairs[i];
            if (!qpair.Destroyed && qpair.Resources != null)
            {
                anyQpair |= CheckQpairIfChanged(qpair, memo, transport.Buffers);
            }
        }

        var iobuf = transport.Buffers;
        if (iobuf != null && (anyQpair || iobuf.Small.Mutations != memo.SmallPoolSeen || (iobuf.Large?.Mutations ?? 0) != memo.LargePoolSeen))
        {
            CheckIobufChanged(transport, iobuf, memo); // a count over every qpair's requests: any moved request or buffer can break it
            memo.SmallPoolSeen = iobuf.Small.Mutations;
            memo.LargePoolSeen = iobuf.Large?.Mutations ?? 0;
        }

        for (var i = 0; i < transport.PollGroups.Count; i++)
        {
            CheckPollGroupIfChanged(transport.PollGroups[i], memo);
        }
    }

    /// <summary>
    /// <see cref="CheckIobuf"/> from what each request pool held when it last changed: an unchanged pool's requests
    /// hold the same buffers, so only whether those are still out of their iobuf pool is asked again (a put while still
    /// held). A count that does not add up runs the full <see cref="CheckIobuf"/>, whose message names the buffer.
    /// </summary>
    private static void CheckIobufChanged(NvmfRdmaTransport transport, Iobuf iobuf, TargetCheckMemo memo)
    {
        int small = 0, large = 0;
        for (var i = 0; i < transport.Qpairs.Count; i++)
        {
            var qpair = transport.Qpairs[i];
            if (!qpair.Destroyed && qpair.Resources != null && !ReferenceEquals(qpair.Resources, qpair.Poller?.SrqResources))
            {
                AddHeld(iobuf, qpair.Resources, memo, ref small, ref large);
            }
        }

        for (var g = 0; g < transport.PollGroups.Count; g++)
        {
            var group = transport.PollGroups[g];
            for (var p = 0; p < group.Pollers.Count; p++)
            {
                if (group.Pollers[p].SrqResources is { } srq)
                {
                    AddHeld(iobuf, srq, memo, ref small, ref large);
                }
            }

            CheckWaiters(group.Iobuf.SmallQueue.First);
            CheckWaiters(group.Iobuf.LargeQueue.First);
        }

        if (!PoolCountHolds(iobuf.Small, small) || (iobuf.Large != null && !PoolCountHolds(iobuf.Large, large)))
        {
            CheckIobuf(transport);
            memo.Held.Clear(); // the full walk passed: a write no setter counted (a buffer array's entry) moved a count
        }
    }

    private static TargetCheckMemo.HeldBuffers HeldOf(TargetCheckMemo memo, RdmaResources resources)
    {
        ref var held = ref CollectionsMarshal.GetValueRefOrAddDefault(memo.Held, resources, out _);
        return held ??= new TargetCheckMemo.HeldBuffers();
    }

    private static void AddHeld(Iobuf iobuf, RdmaResources resources, TargetCheckMemo memo, ref int small, ref int large)
    {
        var held = HeldOf(memo, resources);
        if (held.Mutations != resources.Mutations)
        {
            held.Refill(iobuf, resources);
        }

        foreach (var (req, b) in held.Entries)
        {
            var pool = iobuf.PoolFor(req.BufferLengths[b]);
            Check.That(pool.InUse(req.Buffers[b]), InvariantNames.BufferConservation, (req, pool, b), s =>
                $"{s.req} holds {s.pool.Name} buffer {s.req.Buffers[s.b]} (iov {s.b}) which is free in its pool: a put while still held");
        }

        small += held.Small;
        large += held.Large;
    }

    private static bool PoolCountHolds(BufferPool pool, int held) => pool.Available + held + pool.Withheld == pool.Count;

    private static bool CheckQpairIfChanged(RdmaQpair qpair, TargetCheckMemo memo, Iobuf? iobuf)
    {
        var now = new TargetCheckMemo.QpairSeen(qpair.Mutations, qpair.Resources!.Mutations);
        ref var seen = ref CollectionsMarshal.GetValueRefOrAddDefault(memo.Qpairs, qpair, out var known);
        if (known && seen == now)
        {
            memo.QpairsSkipped++;
            return false;
        }

        var own = iobuf != null && !ReferenceEquals(qpair.Resources, qpair.Poller?.SrqResources);
        CheckQpair(qpair, iobuf, own ? HeldOf(memo, qpair.Resources) : null);
        seen = now;
        memo.QpairsChecked++;
        return true;
    }

    private static void CheckPollGroupIfChanged(RdmaPollGroup group, TargetCheckMemo memo)
    {
        CheckQueueMembers<BufLink>(group.PendingBufQueue.First, group.PendingBufQueue.Id); // mostly empty

        for (var j = 0; j < group.Pollers.Count; j++)
        {
            var poller = group.Pollers[j];
            if (poller.SrqResources is not { } srq || poller.NeedDestroy)
            {
                continue;
            }

            ref var seen = ref CollectionsMarshal.GetValueRefOrAddDefault(memo.SharedReceiveQueues, srq, out var known);
            if (!known || seen != srq.Mutations)
            {
                CheckReceives(srq, poller.FailedSrqRecvs.Count());
                seen = srq.Mutations;
            }
        }
    }
}
