using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// docs/findings/011: the host must not take a response capsule's CID on trust. The scripted target sends a response
/// nobody asked for (a duplicate, or a buggy or hostile target): for the free request the qpair's next command will use,
/// or for a CID beyond the queue. Fixed: the qpair is failed as a protocol breach and no command completes with a status
/// the target never gave it. With <c>host-trusts-response-cid</c> (SPDK HEAD) the free request is marked answered and
/// the next read in that slot "succeeds" as soon as its capsule is sent, although the target dropped it unexecuted; the
/// out-of-range CID is a write outside the request array (reported as queue-integrity here).
/// </summary>
public sealed class ResponseCidTests
{
    [Fact]
    public void A_response_for_a_free_request_fails_the_qpair_and_completes_nothing()
    {
        var run = RunSpuriousResponse(KnownDefects.None, spuriousCid: 0);

        Assert.Equal(QpairFailureReason.Remote, run.FailureReason);
        Assert.Equal(0, run.SuccessfulReads);
        Assert.Null(run.Leaks);
    }

    [Fact]
    public void With_hosts_trusting_the_cid_a_read_the_target_dropped_completes_successfully()
    {
        var run = RunSpuriousResponse(KnownDefects.HostTrustsResponseCid, spuriousCid: 0);

        Assert.Equal(QpairFailureReason.None, run.FailureReason);
        Assert.Equal(1, run.Dropped);
        Assert.Equal(1, run.SuccessfulReads); // answered with the stale status before the target ever saw it
    }

    [Fact]
    public void A_response_with_a_cid_beyond_the_queue_fails_the_qpair()
    {
        var run = RunSpuriousResponse(KnownDefects.None, spuriousCid: 1000);

        Assert.Equal(QpairFailureReason.Remote, run.FailureReason);
        Assert.Null(run.Leaks);
    }

    [Fact]
    public void With_hosts_trusting_the_cid_a_cid_beyond_the_queue_is_an_out_of_bounds_write()
    {
        var e = Assert.Throws<InvariantViolationException>(() => RunSpuriousResponse(KnownDefects.HostTrustsResponseCid, spuriousCid: 1000));

        Assert.Equal(InvariantNames.QueueIntegrity, e.Invariant);
        Assert.Contains("out of bounds", e.Message, StringComparison.Ordinal);
    }

    private static RunResult RunSpuriousResponse(KnownDefects extra, ushort spuriousCid)
    {
        var defaults = HostBed.DefaultOptions();
        using var bed = new HostBed(options: defaults with { Defects = defaults.Defects | extra }, groups: 1);
        bed.StartController();
        var qpair = bed.ConnectIoQpairs(1, queueSize: 8)[0];
        var conn = bed.Target.Connections.Single(c => c.Qid == qpair.Qid && !c.Closed);

        // The Fabrics Connect used cid 0 and gave it back; the free list hands out the lowest CID first, so the next
        // command takes cid 0 again.
        SendUnaskedResponse(conn, spuriousCid);
        bed.RunFor(1_000_000);

        var tracker = new IoTracker();
        var buffer = bed.Buffer(ScriptedTarget.BlockBytes);
        bed.Target.Drop = (cmd, qid) => qid == qpair.Qid && cmd.Opcode == (byte)NvmeIoOpcode.Read;
        if (qpair.State == NvmeRdmaQpairState.Running)
        {
            HostIo.Submit(bed, tracker, qpair, ctx => qpair.SubmitRead(1, 0, 1, buffer, 0, tracker.Callback, ctx));
            bed.RunFor(1_000_000); // the capsule's SEND completes; the target never answers
        }

        var result = new RunResult(qpair.FailureReason, bed.Target.Dropped, tracker.Count(c => !c.Status.IsError), null);
        bed.DeleteAll();
        return result with { Leaks = bed.HostLeaks() };
    }

    /// <summary>A response capsule for <paramref name="cid"/> sent from the connection's last response slot (not in use: the queue is idle).</summary>
    private static void SendUnaskedResponse(ScriptedTargetConnection conn, ushort cid)
    {
        var slot = conn.Depth - 1;
        var cpl = new NvmeCompletion { Cid = cid, Sqid = conn.Qid, Status = NvmeStatus.Success };
        cpl.Encode(conn.Buffer.Span.Slice(conn.RspOffset(slot), NvmeCompletion.Size));
        var wr = new SendWorkRequest { WrId = ScriptedTargetConnection.WrId(conn.Index, ScriptedTargetConnection.KindSend, slot), Opcode = WrOpcode.Send, Flags = SendFlags.Signaled, NumSge = 1 };
        wr.SgList[0] = new Sge(conn.Buffer.Address + (ulong)conn.RspOffset(slot), NvmeCompletion.Size, conn.Lkey);
        Assert.Equal(Errno.Ok, conn.Id.Qp!.PostSend(new ReadOnlySpan<SendWorkRequest>(in wr), out _));
    }

    private sealed record RunResult(QpairFailureReason FailureReason, int Dropped, int SuccessfulReads, string? Leaks);
}
