using Harness.Sim.Core;
using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// Goal: the target sizes its pollers' CQs as SPDK HEAD does (nvmf_rdma_poller_create, nvmf_rdma_resize_cq): num_cqe at
/// creation, grown with ibv_resize_cq so that it always holds MAX_WR_PER_QP of every qpair on it, and the accounting
/// given back when a qpair goes; a CQ too small for its qpairs would overrun (verbs-contract cq-overrun).
/// </summary>
public sealed class CqSizingTests
{
    private const int NumCqe = 64;
    private const int Depth = 16;

    [Fact]
    public void The_pollers_cq_grows_as_qpairs_join_and_its_accounting_shrinks_as_they_go()
    {
        var options = new TargetOptions { NumSharedBuffers = 256, IoUnitSize = 4096, MaxSendSge = 2, NumCqe = NumCqe };
        using var bed = new TargetBed(options, new SimOptions { Seed = 1, TraceRecordsInMemory = 0 });
        var poller = bed.Transport.PollGroups[0].Pollers[0];
        Assert.Equal(NumCqe, poller.NumCqe);

        var hosts = Enumerable.Range(0, 3).Select(i => bed.AddHost($"h{i}", Depth)).ToArray();
        foreach (var host in hosts)
        {
            bed.Connect(host, qid: 1);
        }

        var perQp = NvmfRdmaTransport.MaxWrPerQp(bed.Transport.Qpairs[0].MaxQueueDepth);
        Assert.Equal(3 * perQp, poller.RequiredNumWr);
        Assert.Equal(4 * NumCqe, poller.NumCqe); // 64 → 128 (the second qpair needs more than 64) → 256 (the third more than 128)
        Assert.True(poller.Cq.Cqe >= poller.RequiredNumWr, $"CQ of {poller.Cq.Cqe} entries for {poller.RequiredNumWr} WRs");

        var victim = bed.Transport.Qpairs.First(q => !q.Destroyed);
        bed.ForceQpError(victim);
        bed.RunUntil(() => victim.Destroyed, "the failed qpair destroyed");
        Assert.Equal(2 * perQp, poller.RequiredNumWr);
    }
}
