using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Sim.Cm;
using Harness.Sim.Nic;
using Harness.Tests.Properties.Host.Support;
using Harness.Tests.Properties.Support;
using Harness.Transport.Host;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// The host against the real target stack (RDMA target transport + NVMe-oF controller layer) on the simulated
/// fabric: connect, enable, identify, then writes read back at several queue depths and qpair counts, and a clean
/// delete on both sides.
/// </summary>
public sealed class HostTargetEndToEndTests
{
    [Fact]
    public void Controller_connects_enables_and_identifies_against_the_real_target()
    {
        using var bed = new TargetStackBed(seed: 1, groups: 1);
        bed.Controller.Start();
        bed.RunUntil(() => bed.Controller.State == ControllerState.Ready, "controller ready");

        var ctrl = bed.Controller;
        Assert.NotEqual(0, ctrl.Cntlid);
        Assert.Equal(ctrl.Cntlid, ctrl.ControllerData.Cntlid);
        Assert.Equal(bed.Nvmf.Options.BlockSize, ctrl.BlockSize);
        Assert.Equal(bed.Nvmf.Options.SubNqn, ctrl.ControllerData.SubNqn.ToString());
        Assert.Equal((uint)bed.Nvmf.Options.InCapsuleDataBytes, ctrl.ControllerData.InCapsuleDataSize);
        Assert.True(ctrl.IoQueuesAllocated >= 1);
        Assert.NotNull(bed.Nvmf.FindController(ctrl.Cntlid));
        bed.DeleteAll();
        bed.RunUntil(() => bed.Nvmf.Controllers.Count == 0, "target controller gone");
        Assert.Null(HostLeaks(bed));
    }

    [Fact]
    public void A_connection_the_target_rejects_fails_the_controller_and_leaves_nothing_behind()
    {
        // Nothing listens on that port: the CM rejects the connection (REJECTED, status 8).
        using var bed = new TargetStackBed(seed: 2, groups: 1, connectPort: 4421);
        bed.Controller.Start();
        bed.RunUntil(() => bed.Controller.State == ControllerState.Failed, "controller failed");
        Assert.Equal(QpairFailureReason.ConnectFailed, bed.Controller.AdminQpair.FailureReason);
        Assert.Equal(NvmeRdmaQpairState.Exited, bed.Controller.AdminQpair.State);
        bed.DeleteAll();
        Assert.Null(HostLeaks(bed));
    }

    [HarnessProperty(MaxTest = 12)]
    public Property Writes_read_back_through_the_real_target_at_any_depth_and_qpair_count()
    {
        var gen =
            from seed in Gen.Choose(1, int.MaxValue)
            from qpairs in Gen.Choose(1, 4)
            from queueSize in Gen.Choose(2, 32)
            from blocks in Gen.Choose(1, 8)
            from ios in Gen.Choose(1, 24)
            select (seed, qpairs, queueSize, blocks, ios);
        return Prop.ForAll(Arb.From(gen), c =>
        {
            using var bed = new TargetStackBed((ulong)c.seed, groups: 2);
            bed.Controller.Start();
            bed.RunUntil(() => bed.Controller.State == ControllerState.Ready, "controller ready");
            var qps = Enumerable.Range(0, c.qpairs).Select(i => bed.Controller.CreateIoQpair(bed.Groups[i % 2], c.queueSize)).ToArray();
            bed.RunUntil(() => qps.All(q => q.State == NvmeRdmaQpairState.Running), "I/O qpairs running");

            var bytes = c.blocks * (int)bed.Controller.BlockSize;
            var tracker = new IoTracker();
            var written = qps.Select(_ => bed.Buffer(c.ios * bytes)).ToArray();
            var read = qps.Select(_ => bed.Buffer(c.ios * bytes)).ToArray();
            Phase(bed, tracker, qps, c.ios, (q, i, ctx) =>
            {
                HostIo.Fill(written[q].Span.Slice(i * bytes, bytes), (q * 1000) + i);
                return qps[q].SubmitWrite(1, (ulong)(((q * c.ios) + i) * c.blocks), c.blocks, written[q], i * bytes, tracker.Callback, ctx);
            });
            Phase(bed, tracker, qps, c.ios, (q, i, ctx) =>
                qps[q].SubmitRead(1, (ulong)(((q * c.ios) + i) * c.blocks), c.blocks, read[q], i * bytes, tracker.Callback, ctx));

            Assert.All(tracker.Completions, cpl => Assert.True(cpl.Status.IsSuccess, $"{cpl}"));
            for (var q = 0; q < qps.Length; q++)
            {
                Assert.True(written[q].Span.SequenceEqual(read[q].Span), $"qpair {q}: data read back differs");
            }

            bed.DeleteAll();
            bed.RunUntil(() => bed.Nvmf.Controllers.Count == 0, "target controller gone");
            Assert.Null(HostLeaks(bed));
        });
    }

    private static void Phase(TargetStackBed bed, IoTracker tracker, NvmeRdmaQpair[] qps, int ios, Func<int, int, object, int> submit)
    {
        for (var i = 0; i < ios; i++)
        {
            for (var q = 0; q < qps.Length; q++)
            {
                var (qq, ii) = (q, i);
                while (true)
                {
                    var ctx = tracker.Track();
                    var rc = submit(qq, ii, ctx);
                    if (rc == 0)
                    {
                        break;
                    }

                    tracker.Untrack(ctx);
                    Assert.Equal(Harness.Transport.Verbs.Errno.EAGAIN, rc);
                    bed.RunUntil(() => qps[qq].Outstanding < qps[qq].NumEntries, "a free slot");
                }
            }
        }

        bed.RunUntil(() => tracker.Outstanding == 0, "every command completed");
    }

    private static string? HostLeaks(TargetStackBed bed)
    {
        var host = bed.HostMachine;
        var cm = (SimCm)host.Cm;
        var leaks = new List<string>();
        if (host.AllQps.Any(q => !q.Destroyed))
        {
            leaks.Add("QPs");
        }

        if (cm.Ids.Any(i => !i.Destroyed) || cm.Ids.Sum(i => i.UnackedEvents) > 0)
        {
            leaks.Add("CM ids/events");
        }

        if (host.Device.Mrs.Count > 0 || ((SimMemory)host.Memory).AllocatedBuffers > 0)
        {
            leaks.Add("MRs/buffers");
        }

        return leaks.Count == 0 ? null : string.Join(", ", leaks);
    }
}
