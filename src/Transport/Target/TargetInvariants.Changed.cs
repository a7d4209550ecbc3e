using System.Runtime.InteropServices;

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
                anyQpair |= CheckQpairIfChanged(qpair, memo);
            }
        }

        var iobuf = transport.Buffers;
        if (iobuf != null && (anyQpair || iobuf.Small.Mutations != memo.SmallPoolSeen || (iobuf.Large?.Mutations ?? 0) != memo.LargePoolSeen))
        {
            CheckIobuf(transport); // a count over every qpair's requests: any moved request or buffer can break it
            memo.SmallPoolSeen = iobuf.Small.Mutations;
            memo.LargePoolSeen = iobuf.Large?.Mutations ?? 0;
        }

        for (var i = 0; i < transport.PollGroups.Count; i++)
        {
            CheckPollGroupIfChanged(transport.PollGroups[i], memo);
        }
    }

    private static bool CheckQpairIfChanged(RdmaQpair qpair, TargetCheckMemo memo)
    {
        var now = new TargetCheckMemo.QpairSeen(qpair.Mutations, qpair.Resources!.Mutations);
        ref var seen = ref CollectionsMarshal.GetValueRefOrAddDefault(memo.Qpairs, qpair, out var known);
        if (known && seen == now)
        {
            memo.QpairsSkipped++;
            return false;
        }

        CheckQpair(qpair);
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
