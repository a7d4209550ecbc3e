using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Tests.Properties.Host.Support;
using Harness.Tests.Properties.Support;
using Harness.Transport.Host;
using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// Data path: writes then reads back at several queue depths and qpair counts, in-capsule data for small writes and
/// keyed SGLs otherwise, the SEND/RECV completion pairing in either order, and the depth counters against the NIC.
/// </summary>
public sealed class HostIoTests
{
    [HarnessProperty(MaxTest = 20)]
    public Property Data_written_reads_back_at_any_queue_depth_and_qpair_count()
    {
        var gen =
            from seed in Gen.Choose(1, int.MaxValue)
            from qpairs in Gen.Choose(1, 4)
            from queueSize in Gen.Choose(2, 32)
            from blocks in Gen.Choose(1, 16)
            from ios in Gen.Choose(1, 40)
            select (seed, qpairs, queueSize, blocks, ios);
        return Prop.ForAll(Arb.From(gen), c =>
        {
            using var bed = new HostBed((ulong)c.seed);
            bed.StartController();
            var qps = bed.ConnectIoQpairs(c.qpairs, c.queueSize);
            var bytes = c.blocks * ScriptedTarget.BlockBytes;
            var tracker = new IoTracker();
            var written = qps.Select(_ => bed.Buffer(c.ios * bytes)).ToArray();
            var read = qps.Select(_ => bed.Buffer(c.ios * bytes)).ToArray();
            RunPhase(bed, tracker, qps, c.ios, (q, i, ctx) =>
            {
                HostIo.Fill(written[q].Span.Slice(i * bytes, bytes), (q * 1000) + i);
                return qps[q].SubmitWrite(1, Lba(q, i, c), c.blocks, written[q], i * bytes, tracker.Callback, ctx);
            });
            RunPhase(bed, tracker, qps, c.ios, (q, i, ctx) => qps[q].SubmitRead(1, Lba(q, i, c), c.blocks, read[q], i * bytes, tracker.Callback, ctx));

            Assert.All(tracker.Completions, cpl => Assert.True(cpl.Status.IsSuccess, $"completion {cpl}"));
            for (var q = 0; q < qps.Length; q++)
            {
                Assert.True(written[q].Span.SequenceEqual(read[q].Span), $"qpair {q}: data read back differs from data written");
            }

            var inCapsule = bytes <= ScriptedTarget.InCapsuleBytes;
            Assert.Equal(inCapsule ? c.ios * c.qpairs : 0, bed.Target.InCapsuleWrites);
            Assert.Equal(inCapsule ? 0 : c.ios * c.qpairs, bed.Target.KeyedWrites);
            CheckCountersAgainstNic(bed, qps);
            bed.DeleteAll();
            Assert.Null(bed.HostLeaks());
        });
    }

    [Fact]
    public void A_request_completes_when_its_response_arrives_before_its_send_completion()
    {
        using var bed = new HostBed(manual: true);
        bed.StartController();
        var qpair = bed.ConnectIoQpairs(1)[0];
        var group = bed.Groups[0];
        var tracker = new IoTracker();
        var buffer = bed.Buffer(ScriptedTarget.BlockBytes);
        var ctx = tracker.Track();
        Assert.Equal(Errno.Ok, qpair.SubmitRead(1, 7, 1, buffer, 0, tracker.Callback, ctx));

        // Let the NIC finish both (SEND acked, response received) without the host's thread polling its CQ.
        var wcs = new List<WorkCompletion>();
        var batch = new WorkCompletion[8];
        bed.RunUntil(() =>
        {
            var n = group.Cq!.Poll(batch);
            wcs.AddRange(batch.Take(n));
            return wcs.Count == 2;
        }, "SEND and RECV completions", poll: () => ((ManualReactor)bed.AdminReactor).PollOnce());
        Assert.Equal(new[] { WcOpcode.Send, WcOpcode.Recv }, wcs.Select(w => w.Opcode));

        // Hardware may report them the other way round: the response first, then the SEND completion.
        Assert.Equal(QpairFailureReason.None, qpair.OnWorkCompletion(wcs[1]));
        Assert.Null(tracker[(long)ctx]);
        Assert.Equal(1, qpair.Outstanding);
        Assert.Equal(QpairFailureReason.None, qpair.OnWorkCompletion(wcs[0]));
        Assert.True(tracker[(long)ctx]!.Value.Status.IsSuccess);
        Assert.Equal(0, qpair.Outstanding);
        Assert.Equal(qpair.NumEntries, qpair.CurrentNumRecvs); // the response buffer was posted again
        Assert.Equal(0, qpair.CurrentNumSends);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void Flush_and_an_out_of_range_read_complete_with_the_targets_status()
    {
        using var bed = new HostBed();
        bed.StartController();
        var qpair = bed.ConnectIoQpairs(1)[0];
        var tracker = new IoTracker();
        var buffer = bed.Buffer(4096);
        var flush = HostIo.Submit(bed, tracker, qpair, ctx => qpair.SubmitFlush(1, tracker.Callback, ctx));
        var outOfRange = HostIo.Submit(bed, tracker, qpair, ctx => qpair.SubmitRead(1, 1_000_000, 1, buffer, 0, tracker.Callback, ctx));
        bed.RunUntil(() => tracker.Outstanding == 0, "both complete");
        Assert.True(tracker[(long)flush]!.Value.Status.IsSuccess);
        Assert.Equal(NvmeStatus.LbaOutOfRange, tracker[(long)outOfRange]!.Value.Status);
        Assert.Equal(Errno.EINVAL, qpair.SubmitRead(1, 0, 1, buffer, 4000, tracker.Callback, tracker.Track()));
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    private static ulong Lba(int q, int i, (int seed, int qpairs, int queueSize, int blocks, int ios) c) => (ulong)(((q * c.ios) + i) * c.blocks);

    private static void RunPhase(HostBed bed, IoTracker tracker, NvmeRdmaQpair[] qps, int ios, Func<int, int, object, int> submit)
    {
        for (var i = 0; i < ios; i++)
        {
            for (var q = 0; q < qps.Length; q++)
            {
                var (qq, ii) = (q, i);
                HostIo.Submit(bed, tracker, qps[q], ctx => submit(qq, ii, ctx));
            }
        }

        bed.RunUntil(() => tracker.Outstanding == 0, "every command completed");
    }

    /// <summary>After the host polled everything: its counters are exactly the WRs the simulated NIC still holds.</summary>
    private static void CheckCountersAgainstNic(HostBed bed, NvmeRdmaQpair[] qps)
    {
        bed.RunFor(1_000_000);
        foreach (var q in qps)
        {
            var nicQp = bed.HostMachine.AllQps.Single(x => !x.Destroyed && ReferenceEquals(x.QpContext, q));
            Assert.Equal(0, q.Outstanding);
            Assert.Equal(nicQp.OutstandingSends, q.CurrentNumSends);
            Assert.Equal(nicQp.OutstandingRecvs, q.CurrentNumRecvs);
            Assert.Equal(q.NumEntries, q.CurrentNumRecvs);
        }
    }
}
