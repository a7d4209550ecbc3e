using Harness.Sim.Faults;
using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;
using Harness.Transport.Invariants;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// Goal: with <see cref="HostOptions.RdmaSrqSize"/> the poll group's qpairs share one SRQ, as SPDK HEAD's poller
/// (nvme_rdma.c:nvme_rdma_poller_create:3555): responses of every qpair land in the poller's buffers and reach their
/// qpair by qp_num, receives go back to the SRQ at their RECV completion and are posted once per round, and the SRQ
/// goes with its last qpair. Docs/findings/023: a failed ibv_post_srq_recv keeps its receives queued (the fix); HEAD's
/// handling, switched on with <see cref="KnownDefects.HostSrqRecvLost"/>, loses them, and receive-conservation of the
/// poller's pool reports it at once.
/// </summary>
public sealed class HostSrqTests
{
    private const int SrqSize = 16;
    private const int Reads = 40;

    [Fact]
    public void Qpairs_of_a_poll_group_share_its_SRQ_and_every_response_reaches_its_qpair()
    {
        using var bed = new HostBed(options: HostBed.DefaultOptions() with { RdmaSrqSize = SrqSize }, groups: 1);
        bed.StartController();
        var qpairs = bed.ConnectIoQpairs(2, queueSize: 8);
        var srq = bed.Groups[0].Srq;

        Assert.NotNull(srq);
        Assert.Equal(SrqSize, srq.Entries);
        Assert.All(qpairs, q => Assert.Same(srq.Srq, q.CmId!.Qp!.Srq));
        Assert.All(qpairs, q => Assert.Equal(0, q.CurrentNumRecvs)); // no receive of their own
        Assert.Equal(Reads, RunReads(bed, qpairs));
        Assert.Equal(SrqSize, srq.CurrentNumRecvs);

        bed.DeleteAll();
        Assert.Null(bed.Groups[0].Srq); // destroyed with the last qpair on it (HEAD's poller refcount)
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void A_failed_SRQ_post_keeps_its_receives_queued_and_the_next_round_posts_them()
    {
        using var bed = FailedSrqPostBed(KnownDefects.None);
        bed.StartController();
        var qpairs = bed.ConnectIoQpairs(2, queueSize: 8);

        Assert.Equal(Reads, RunReads(bed, qpairs));
        Assert.Empty(bed.Fabric.Faults.NeverFired());
        Assert.Equal(0, bed.Groups[0].Srq!.Lost);
        Assert.Equal(SrqSize, bed.Groups[0].Srq!.CurrentNumRecvs);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void HEADs_failed_SRQ_post_loses_its_receives_and_receive_conservation_reports_it()
    {
        using var bed = FailedSrqPostBed(KnownDefects.HostSrqRecvLost);
        bed.StartController();

        var violation = Assert.Throws<InvariantViolationException>(() => RunReads(bed, bed.ConnectIoQpairs(2, queueSize: 8)));

        Assert.Equal(InvariantNames.ReceiveConservation, violation.Invariant);
        Assert.Contains($"{SrqSize} response buffers but {SrqSize - 1} posted + 0 queued", violation.Detail, StringComparison.Ordinal);
    }

    /// <summary>The host's SRQ's third post (the first is the pool's, the next re-post the Fabrics Connect responses) fails with ENOMEM.</summary>
    private static HostBed FailedSrqPostBed(KnownDefects extra)
    {
        var defaults = HostBed.DefaultOptions();
        var plan = FaultPlan.Of(new PostErrorFault(new QpSelector("host", 0), PostQueue.Srq, 3, 0, Errno.ENOMEM));
        return new HostBed(options: defaults with { Defects = defaults.Defects | extra, RdmaSrqSize = SrqSize }, faults: plan, groups: 1);
    }

    /// <summary>Reads spread over <paramref name="qpairs"/> until <see cref="Reads"/> completed; returns how many succeeded.</summary>
    private static int RunReads(HostBed bed, NvmeRdmaQpair[] qpairs)
    {
        var tracker = new IoTracker();
        var buffer = bed.Buffer(ScriptedTarget.BlockBytes);
        for (var i = 0; i < Reads; i++)
        {
            var qpair = qpairs[i % qpairs.Length];
            HostIo.Submit(bed, tracker, qpair, ctx => qpair.SubmitRead(1, 0, 1, buffer, 0, tracker.Callback, ctx));
            bed.RunUntil(() => tracker.Outstanding < 4, "reads drain");
        }

        bed.RunUntil(() => tracker.Outstanding == 0, "every read completes");
        return tracker.Count(c => c.Status.IsSuccess);
    }
}
