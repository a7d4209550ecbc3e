using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// Goal: a receive buffer posted while it is still posted (its wr_id outstanding on the NIC) is reported as
/// receive-conservation from the NIC's side, naming the queue and the wr_id, for a QP's own receive queue and for an
/// SRQ. The transport's own count cannot see it: posting twice leaves its "posted" flag as it was. The broken transport
/// is a mutation made here: while a write's RDMA READ holds one receive (so the queue has room), the test posts one of
/// the target's still-posted receives again.
/// </summary>
public sealed class ReceivePostedTwiceTests
{
    [Fact]
    public void A_receive_posted_twice_on_a_qps_receive_queue_is_reported()
    {
        using var bed = new TargetBed();
        var qpair = Connected(bed);
        var recv = qpair.Resources!.Recvs[2];
        Assert.True(recv.Posted, $"{recv} should be posted");

        var violation = PostAgain(bed, () => qpair.Qp!.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in recv.Wr), out _));
        Assert.Contains($"{qpair.Qp}: receive wr_id 0x{recv.WrId:x} posted while a receive with the same wr_id is still outstanding", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_receive_posted_twice_on_a_shared_receive_queue_is_reported()
    {
        using var bed = new TargetBed(TargetBed.SrqOptions());
        var qpair = Connected(bed);
        var srq = qpair.Poller!.Srq!;
        var recv = qpair.Poller.SrqResources!.Recvs[7];

        var violation = PostAgain(bed, () => srq.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in recv.Wr), out _));
        Assert.Contains($"receive wr_id 0x{recv.WrId:x} posted while a receive with the same wr_id is still outstanding", violation.Detail, StringComparison.Ordinal);
    }

    private static InvariantViolationException PostAgain(TargetBed bed, Func<int> post)
    {
        var qpair = bed.Transport.Qpairs.Single(q => !q.Destroyed);
        bed.RunUntil(() => qpair.Resources!.Reqs.Any(r => r.State == RdmaRequestState.TransferringHostToController && r.Qpair == qpair),
            "a write holds its receive while its RDMA READ is on the wire");
        InvariantViolationException? violation;
        lock (bed.Fabric.World.Gate)
        {
            violation = Assert.Throws<InvariantViolationException>(() => post());
        }

        Assert.Equal(InvariantNames.ReceiveConservation, violation.Invariant);
        return violation;
    }

    private static RdmaQpair Connected(TargetBed bed)
    {
        var host = bed.AddHost("a", 8);
        bed.Connect(host, qid: 1);
        Assert.Equal(0, host.Submit(new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = 1, Nsid = 1, Slba = 0, Nlb = 0, Dptr = host.Keyed(1, 4096) }.ToCommand()));
        return bed.Transport.Qpairs.Single(q => !q.Destroyed);
    }
}
