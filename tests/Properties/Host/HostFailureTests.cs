using Harness.Sim.Faults;
using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// Failure reporting: every command gets exactly one completion — the target's, or ABORTED - SQ DELETION when its
/// qpair dies (command timeout, target disconnect, transport retries exhausted); admin timeouts and keep-alive fail
/// the controller; a reset brings it and its qpairs back.
/// </summary>
public sealed class HostFailureTests
{
    [Fact]
    public void A_command_the_target_never_answers_times_out_and_every_command_of_its_qpair_completes_once()
    {
        using var bed = new HostBed(options: HostBed.DefaultOptions() with { IoTimeoutNs = 50_000_000 });
        bed.StartController();
        var qps = bed.ConnectIoQpairs(2);
        bed.Target.Drop = (cmd, qid) => qid == qps[0].Qid && cmd.Opcode == (byte)NvmeIoOpcode.Read && cmd.Cdw10 == 13;
        var tracker = new IoTracker();
        var buffer = bed.Buffer(64 * 1024);
        var lost = HostIo.Submit(bed, tracker, qps[0], ctx => qps[0].SubmitRead(1, 13, 1, buffer, 0, tracker.Callback, ctx));
        for (var i = 0; i < 20; i++)
        {
            var q = qps[i % 2];
            var ii = i;
            HostIo.Submit(bed, tracker, q, ctx => q.SubmitWrite(1, (ulong)(100 + ii), 1, buffer, 512 * (ii + 1), tracker.Callback, ctx));
        }

        bed.RunUntil(() => tracker.Outstanding == 0, "every command completed");
        Assert.True(tracker[(long)lost]!.Value.Status.HasSameCode(NvmeStatus.AbortedSqDeletion), $"the lost read: {tracker[(long)lost]}");
        Assert.All(tracker.Completions, c => Assert.True(c.Status.IsSuccess || c.Status.HasSameCode(NvmeStatus.AbortedSqDeletion), $"{c}"));
        Assert.Equal(NvmeRdmaQpairState.Exited, qps[0].State);
        Assert.Equal(QpairFailureReason.Timeout, qps[0].FailureReason);
        Assert.Equal(1, qps[0].Timeouts);
        Assert.Equal(NvmeRdmaQpairState.Running, qps[1].State);
        Assert.Equal(ControllerState.Ready, bed.Controller.State);

        bed.Target.Drop = null;
        qps[0].Reconnect();
        bed.RunUntil(() => qps[0].State == NvmeRdmaQpairState.Running, "reconnected");
        var again = HostIo.Submit(bed, tracker, qps[0], ctx => qps[0].SubmitRead(1, 13, 1, buffer, 0, tracker.Callback, ctx));
        bed.RunUntil(() => tracker.Outstanding == 0, "the read after the reconnect");
        Assert.True(tracker[(long)again]!.Value.Status.IsSuccess);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void The_target_disconnecting_a_qpair_aborts_what_was_in_flight()
    {
        using var bed = new HostBed();
        bed.StartController();
        var qps = bed.ConnectIoQpairs(2, queueSize: 16);
        bed.Target.Drop = (cmd, qid) => qid == qps[0].Qid && cmd.Opcode == (byte)NvmeIoOpcode.Read;
        var tracker = new IoTracker();
        var buffer = bed.Buffer(16 * 512);
        for (var i = 0; i < qps[0].NumEntries; i++)
        {
            var ii = i;
            HostIo.Submit(bed, tracker, qps[0], ctx => qps[0].SubmitRead(1, (ulong)ii, 1, buffer, 512 * ii, tracker.Callback, ctx));
        }

        bed.RunFor(1_000_000);
        Assert.Equal(qps[0].NumEntries, tracker.Outstanding);
        bed.Target.Disconnect(qid: qps[0].Qid);
        bed.RunUntil(() => tracker.Outstanding == 0, "in-flight reads aborted");
        Assert.All(tracker.Completions, c => Assert.True(c.Status.HasSameCode(NvmeStatus.AbortedSqDeletion), $"{c}"));
        bed.RunUntil(() => qps[0].State == NvmeRdmaQpairState.Exited, "qpair exited");
        Assert.Equal(QpairFailureReason.Remote, qps[0].FailureReason);
        Assert.Equal(NvmeRdmaQpairState.Running, qps[1].State);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void Transport_retries_exhausted_on_a_send_fail_the_qpair_as_remote_and_abort_its_commands()
    {
        // Host QPs by creation: 0 the admin qpair's, 1 the I/O qpair's. Its 3rd SEND (the 2nd command after the Connect) fails.
        var plan = FaultPlan.Of(new WcErrorFault(new QpSelector("host", 1), WrKind.Send, 3, WcStatus.RetryExcErr));
        using var bed = new HostBed(faults: plan);
        bed.StartController();
        var qpair = bed.ConnectIoQpairs(1)[0];
        var tracker = new IoTracker();
        var buffer = bed.Buffer(8 * 512);
        for (var i = 0; i < 4; i++)
        {
            var ii = i;
            HostIo.Submit(bed, tracker, qpair, ctx => qpair.SubmitWrite(1, (ulong)ii, 1, buffer, 512 * ii, tracker.Callback, ctx));
        }

        bed.RunUntil(() => tracker.Outstanding == 0 && qpair.State == NvmeRdmaQpairState.Exited, "commands done, qpair exited");
        Assert.Equal(QpairFailureReason.Remote, qpair.FailureReason);
        Assert.True(tracker.Count(c => c.Status.HasSameCode(NvmeStatus.AbortedSqDeletion)) >= 1, "the failed command must be aborted");
        Assert.All(tracker.Completions, c => Assert.True(c.Status.IsSuccess || c.Status.HasSameCode(NvmeStatus.AbortedSqDeletion), $"{c}"));
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void Keep_alive_is_sent_every_half_kato()
    {
        using var bed = new HostBed(options: HostBed.DefaultOptions() with { KeepAliveTimeoutMs = 100 });
        bed.StartController();
        var start = bed.Target.KeepAlives;
        bed.RunFor(1_000_000_000);
        var sent = bed.Target.KeepAlives - start;
        Assert.InRange(sent, 19, 21);
        Assert.Equal(ControllerState.Ready, bed.Controller.State);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    /// <summary>
    /// As HEAD (nvme_ctrlr.c:3250, nvme_ctrlr_keep_alive:4745): the first Keep Alive goes as soon as the init has set the
    /// keep-alive timeout (after Identify), before the controller is ready; then one every KATO/2 whatever is still
    /// outstanding: with the target answering none, one per interval is in flight at once (the port used to wait for
    /// the previous one).
    /// </summary>
    [Fact]
    public void Keep_alive_starts_in_the_init_and_is_sent_every_interval_with_earlier_ones_outstanding()
    {
        var options = HostBed.DefaultOptions() with { KeepAliveTimeoutMs = 100, AdminTimeoutNs = 10_000_000_000 };
        using var bed = new HostBed(options: options);
        bed.StartController();
        Assert.Equal(1, bed.Target.KeepAlives); // sent during the init, answered
        bed.Target.Drop = (cmd, qid) => qid == 0 && cmd.Opcode == (byte)NvmeAdminOpcode.KeepAlive;
        var sent = bed.Controller.KeepAlivesSent;

        bed.RunFor(300_000_000);

        Assert.InRange(bed.Controller.KeepAlivesSent - sent, 5, 7); // every 50 ms, none answered
        Assert.Equal(1, bed.Controller.KeepAlivesCompleted);
        Assert.Equal(ControllerState.Ready, bed.Controller.State);
        bed.Target.Drop = null;
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    /// <summary>HEAD nvme_keep_alive_completion (nvme_ctrlr.c:4735) does nothing: a Keep Alive that fails leaves the controller as it is.</summary>
    [Fact]
    public void A_failed_keep_alive_is_ignored()
    {
        using var bed = new HostBed(options: HostBed.DefaultOptions() with { KeepAliveTimeoutMs = 100 });
        bed.StartController();
        bed.Target.Fail = (cmd, qid) => qid == 0 && cmd.Opcode == (byte)NvmeAdminOpcode.KeepAlive ? NvmeStatus.InternalDeviceError : null;
        var completed = bed.Controller.KeepAlivesCompleted;

        bed.RunFor(200_000_000);

        Assert.True(bed.Controller.KeepAlivesCompleted - completed >= 3, "failed Keep Alives completed");
        Assert.Equal(ControllerState.Ready, bed.Controller.State);
        bed.Target.Fail = null;
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void An_unanswered_keep_alive_times_out_fails_the_controller_and_a_reset_brings_everything_back()
    {
        var options = HostBed.DefaultOptions() with { KeepAliveTimeoutMs = 200, AdminTimeoutNs = 50_000_000 };
        using var bed = new HostBed(options: options);
        bed.StartController();
        var qps = bed.ConnectIoQpairs(3);
        bed.Target.Drop = (cmd, qid) => qid == 0 && cmd.Opcode == (byte)NvmeAdminOpcode.KeepAlive;
        bed.RunUntil(() => bed.Controller.State == ControllerState.Failed, "controller failed");
        Assert.Equal(QpairFailureReason.Timeout, bed.Controller.AdminQpair.FailureReason);
        bed.RunUntil(() => bed.Controller.AdminQpair.State == NvmeRdmaQpairState.Exited, "admin qpair exited");

        bed.Target.Drop = null;
        bed.Controller.Reset();
        bed.RunUntil(() => bed.Controller.State == ControllerState.Ready && qps.All(q => q.State == NvmeRdmaQpairState.Running), "ready again, qpairs reconnected");
        Assert.Equal(1, bed.Controller.Resets);
        Assert.All(qps, q => Assert.Equal(NvmeRdmaQpairState.Running, q.State));
        VerifyIo(bed, qps);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void A_reset_with_io_in_flight_completes_every_command_once_and_the_qpairs_come_back()
    {
        using var bed = new HostBed(seed: 3);
        bed.StartController();
        var qps = bed.ConnectIoQpairs(2, queueSize: 16);
        var tracker = new IoTracker();
        var buffer = bed.Buffer(64 * 512);
        for (var i = 0; i < 24; i++)
        {
            var q = qps[i % 2];
            var ii = i;
            HostIo.Submit(bed, tracker, q, ctx => q.SubmitWrite(1, (ulong)ii, 2, buffer, 1024 * ii, tracker.Callback, ctx));
        }

        bed.Controller.Reset();
        bed.RunUntil(() => tracker.Outstanding == 0 && bed.Controller.State == ControllerState.Ready && qps.All(q => q.State == NvmeRdmaQpairState.Running), "reset done");
        Assert.All(tracker.Completions, c => Assert.True(c.Status.IsSuccess || c.Status.HasSameCode(NvmeStatus.AbortedSqDeletion), $"{c}"));
        Assert.Equal(1, bed.Controller.Resets);
        Assert.All(qps, q => Assert.Contains(NvmeRdmaQpairState.Exited, q.StateHistory));
        VerifyIo(bed, qps);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    private static void VerifyIo(HostBed bed, NvmeRdmaQpair[] qps)
    {
        var tracker = new IoTracker();
        var buffer = bed.Buffer(4096);
        var readBack = bed.Buffer(4096);
        HostIo.Fill(buffer.Span, 99);
        foreach (var q in qps)
        {
            HostIo.Submit(bed, tracker, q, ctx => q.SubmitWrite(1, 2000 + q.Qid * 8UL, 8, buffer, 0, tracker.Callback, ctx));
            bed.RunUntil(() => tracker.Outstanding == 0, "write");
            HostIo.Submit(bed, tracker, q, ctx => q.SubmitRead(1, 2000 + q.Qid * 8UL, 8, readBack, 0, tracker.Callback, ctx));
            bed.RunUntil(() => tracker.Outstanding == 0, "read");
            Assert.True(buffer.Span.SequenceEqual(readBack.Span), $"{q}: data read back differs");
        }

        Assert.All(tracker.Completions, c => Assert.True(c.Status.IsSuccess, $"{c}"));
    }
}
