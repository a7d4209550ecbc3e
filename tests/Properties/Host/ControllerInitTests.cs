using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// Controller initialization over the wire: the CM private data SPDK's host sends, the Fabrics Connect, CAP, CC.EN,
/// CSTS.RDY polling, Identify Controller and Namespace, Number of Queues; queue sizes capped by CAP.MQES.
/// </summary>
public sealed class ControllerInitTests
{
    [Fact]
    public void A_controller_connects_enables_identifies_and_sets_its_queues()
    {
        using var bed = new HostBed();
        bed.Target.ReadyAfterCstsReads = 3;
        bed.StartController();
        var ctrl = bed.Controller;

        Assert.Equal(ControllerState.Ready, ctrl.State);
        Assert.Equal(ScriptedTarget.ControllerId, ctrl.Cntlid);
        Assert.Equal(ScriptedTarget.MaxQueueDepth, ctrl.Capabilities.MaxQueueEntries);
        Assert.Equal((uint)ScriptedTarget.BlockBytes, ctrl.BlockSize);
        Assert.Equal(4096UL, ctrl.NamespaceData.Nsze);
        Assert.Equal((uint)ScriptedTarget.InCapsuleBytes, ctrl.ControllerData.InCapsuleDataSize);
        Assert.Equal(16, ctrl.IoQueuesAllocated); // the target grants 15 (0's based)
        Assert.Equal(ctrl.CmEventsGot, ctrl.CmEventsAcked);

        // Admin CM private data as SPDK sends it: qsize 32 -> 31 entries, HRQSIZE = entries + 1, HSQSIZE = entries.
        var admin = bed.Target.Connections.Single().Request;
        Assert.Equal(new RdmaCmRequest { Qid = 0, Hrqsize = 32, Hsqsize = 31, Cntlid = 0 }, admin);
        Assert.Equal(31, ctrl.AdminQpair.NumEntries);
        Assert.Equal(32, ctrl.AdminQpair.TargetQueueDepth);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void An_io_qpair_sends_its_qid_sizes_and_the_controller_id_and_its_size_is_capped_by_mqes()
    {
        using var bed = new HostBed();
        bed.StartController();
        var qpairs = bed.ConnectIoQpairs(2, queueSize: 1000);
        var requests = bed.Target.Connections.Skip(1).Select(c => c.Request).OrderBy(r => r.Qid).ToArray();

        Assert.Equal(new ushort[] { 1, 2 }, qpairs.Select(q => q.Qid).Order());
        Assert.All(requests, r => Assert.Equal(new RdmaCmRequest { Qid = r.Qid, Hrqsize = 64, Hsqsize = 63, Cntlid = ScriptedTarget.ControllerId }, r));
        Assert.All(qpairs, q => Assert.Equal(63, q.NumEntries));
        Assert.All(qpairs, q => Assert.Equal(64, q.TargetQueueDepth));
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void Invalid_options_are_refused_with_the_options_name()
    {
        using var bed = new HostBed();
        var e = Assert.Throws<ArgumentException>(() => new NvmeRdmaController(bed.HostMachine, bed.AdminReactor, bed.Target.Address, new HostOptions { IoQueueSize = 1 }));
        Assert.Contains(nameof(HostOptions.IoQueueSize), e.Message, StringComparison.Ordinal);
    }
}
