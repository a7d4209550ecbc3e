using Harness.Sim.Faults;
using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;
using Harness.Transport.Nvme;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// delay_cmd_submit as SPDK HEAD: an I/O qpair of a poll group queues its capsule SENDs and response re-posts and the
/// group posts them at the end of its round; and docs/findings/012, what HEAD does with that batch when things fail:
/// it ignores a failed post of the batch, and it leaves the receives queued in the round a qpair fails unposted, so
/// the disconnect lingers for the whole 1 s timeout. The port fails the qpair and posts them;
/// <c>host-batched-wrs-on-failure</c> keeps HEAD's behaviour.
/// </summary>
public sealed class BatchedSubmitTests
{
    private const long LingerTimeoutNs = 1_000_000_000;

    [Fact]
    public void With_delay_cmd_submit_capsules_are_posted_at_the_end_of_the_round_and_io_completes()
    {
        using var bed = new HostBed(options: Options(KnownDefects.None), groups: 1, manual: true);
        bed.StartController();
        var qpair = bed.ConnectIoQpairs(1, queueSize: 8)[0];
        var tracker = new IoTracker();
        var buffer = bed.Buffer(4 * ScriptedTarget.BlockBytes);
        for (var i = 0; i < 4; i++)
        {
            var offset = i * ScriptedTarget.BlockBytes;
            HostIo.Submit(bed, tracker, qpair, ctx => qpair.SubmitRead(1, (ulong)offset, 1, buffer, offset, tracker.Callback, ctx));
        }

        var commands = bed.Target.Commands;
        bed.RunFor(1_000_000, poll: () => { }); // nothing polls the group: the capsules are only queued
        Assert.Equal(commands, bed.Target.Commands);
        Assert.Equal(4, qpair.CurrentNumSends); // counted at queueing, as HEAD

        bed.RunUntil(() => tracker.Outstanding == 0, "the reads complete");
        Assert.Equal(4, tracker.Count(c => !c.Status.IsError));
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void A_failed_batched_capsule_post_fails_the_qpair()
    {
        var run = RunFailedBatchPost(KnownDefects.None);

        Assert.Equal(QpairFailureReason.Local, run.FailureReason);
        Assert.Equal(0, run.Outstanding); // aborted with the qpair
    }

    [Fact]
    public void With_heads_handling_a_failed_batched_post_leaves_the_command_without_a_capsule_until_its_timeout()
    {
        var run = RunFailedBatchPost(KnownDefects.HostBatchedWrsOnFailure);

        Assert.Equal(QpairFailureReason.None, run.FailureReason);
        Assert.Equal(1, run.Outstanding);
        Assert.Equal(0, run.SendsOutstanding); // its SEND was given back: nothing will ever complete it
    }

    [Fact]
    public void A_qpair_that_fails_in_the_round_it_queued_a_receive_disconnects_without_waiting_for_the_linger_timeout()
    {
        var lingered = RunFailureWithQueuedReceive(KnownDefects.None);

        Assert.True(lingered < LingerTimeoutNs / 10, $"the disconnect took {lingered} ns");
    }

    [Fact]
    public void With_heads_handling_the_queued_receive_is_never_posted_and_the_disconnect_lingers_for_the_timeout()
    {
        var lingered = RunFailureWithQueuedReceive(KnownDefects.HostBatchedWrsOnFailure);

        Assert.True(lingered >= LingerTimeoutNs, $"the disconnect took {lingered} ns");
    }

    private static HostOptions Options(KnownDefects extra)
    {
        var defaults = HostBed.DefaultOptions();
        return defaults with { Defects = defaults.Defects | extra, DelayCmdSubmit = true, LingeringTimeoutNs = LingerTimeoutNs };
    }

    /// <summary>The I/O QP's second post on its send queue (the first read's batch; the first was the Fabrics Connect) fails.</summary>
    private static (QpairFailureReason FailureReason, int Outstanding, int SendsOutstanding) RunFailedBatchPost(KnownDefects extra)
    {
        var plan = FaultPlan.Of(new PostErrorFault(new QpSelector("host", 1), PostQueue.Send, 2, 0, Errno.ENOMEM));
        using var bed = new HostBed(options: Options(extra), faults: plan, groups: 1);
        bed.StartController();
        var qpair = bed.ConnectIoQpairs(1, queueSize: 8)[0];
        var tracker = new IoTracker();
        var buffer = bed.Buffer(ScriptedTarget.BlockBytes);
        HostIo.Submit(bed, tracker, qpair, ctx => qpair.SubmitRead(1, 0, 1, buffer, 0, tracker.Callback, ctx));
        bed.RunFor(100_000_000);
        var result = (qpair.FailureReason, tracker.Outstanding, qpair.CurrentNumSends);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
        return result;
    }

    /// <summary>
    /// One read completes; before the group polls its CQ again, the QP is moved to ERR, so the next batch holds the read's
    /// response (its receive re-post queued) and then the flushed receives (the qpair fails). Returns how long the
    /// qpair took from that batch to EXITED.
    /// </summary>
    private static long RunFailureWithQueuedReceive(KnownDefects extra)
    {
        using var bed = new HostBed(options: Options(extra), groups: 1, manual: true);
        bed.StartController();
        var qpair = bed.ConnectIoQpairs(1, queueSize: 8)[0];
        var group = (ManualReactor)bed.GroupReactors[0];
        var admin = (ManualReactor)bed.AdminReactor;
        var tracker = new IoTracker();
        var buffer = bed.Buffer(ScriptedTarget.BlockBytes);
        HostIo.Submit(bed, tracker, qpair, ctx => qpair.SubmitRead(1, 0, 1, buffer, 0, tracker.Callback, ctx));
        group.PollOnce(); // posts the capsule
        bed.RunFor(1_000_000, poll: () => admin.PollOnce()); // the response arrives; the group does not poll
        Assert.Equal(Errno.Ok, qpair.CmId!.Qp!.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State));
        bed.RunFor(100_000, poll: () => admin.PollOnce()); // the other receives flush behind the response

        var failedAt = bed.NowNs;
        group.PollOnce(); // one batch: the read completes, its receive is queued, the flushed receives fail the qpair
        Assert.Equal(1, tracker.Count(c => !c.Status.IsError));
        Assert.NotEqual(QpairFailureReason.None, qpair.FailureReason);
        bed.RunUntil(() => qpair.State == NvmeRdmaQpairState.Exited, "the qpair disconnected", limitNs: 3 * LingerTimeoutNs);
        var took = bed.NowNs - failedAt;
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
        return took;
    }
}
