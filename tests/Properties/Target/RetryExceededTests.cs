using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// The field bug (SPDK #3463): a write whose RDMA READs are posted in parts (more READs than the negotiated read depth)
/// gets RETRY_EXC_ERR on one of them. Fixed: the qpair drains and is destroyed cleanly. Defect: the request is
/// completed while still linked in the pending RDMA READ queue, and the checker names it.
/// </summary>
public sealed class RetryExceededTests
{
    private const int Blocks = 8; // a list of 8 keyed descriptors: 8 RDMA READs against a read depth of 2, posted in 4 parts

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void Retry_exceeded_on_a_read_of_a_split_write_drains_the_qpair_cleanly(int nthRead)
    {
        using var bed = NewBed(nthRead, KnownDefects.None);
        var (host, qpair) = WriteIntoFault(bed);

        bed.RunUntil(() => { host.PollCq(); host.PollCm(); return qpair.Destroyed && host.CmEvents.Contains(CmEventType.Disconnected); },
            "qpair destruction and the host's DISCONNECTED", limitNs: 30_000_000_000);

        Assert.False(host.Responses.ContainsKey(1) && host.Responses[1].Status.IsSuccess, "the failed write must not complete successfully");
        Assert.Contains(bed.Log, l => l.Contains("type DATA, status: (12): transport retry counter exceeded", StringComparison.Ordinal));
        Assert.Equal(bed.Options.NumSharedBuffers, bed.Transport.Buffers!.Available);
        Assert.Equal(bed.Options.DataWrPoolSize, bed.Transport.DataWrs.Available);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void With_the_defect_the_checker_names_the_request_left_on_the_pending_read_queue(int nthRead)
    {
        using var bed = NewBed(nthRead, KnownDefects.PendingReadQueueDoubleInsert);
        var (host, qpair) = WriteIntoFault(bed);

        var violation = Assert.Throws<InvariantViolationException>(() =>
            bed.RunUntil(() => { host.PollCq(); host.PollCm(); return qpair.Destroyed; }, "qpair destruction", limitNs: 30_000_000_000));

        Assert.Equal(InvariantNames.RequestInOneQueue, violation.Invariant);
        Assert.Contains("pending_rdma_read_queue", violation.Detail, StringComparison.Ordinal);
        Assert.Contains("free_queue", violation.Detail, StringComparison.Ordinal);
        Assert.Contains("request #", violation.Detail, StringComparison.Ordinal);
        Assert.Contains("COMPLETED", violation.Detail, StringComparison.Ordinal);
    }

    private static TargetBed NewBed(int nthRead, KnownDefects defects)
    {
        var fault = new WcErrorFault(new QpSelector("target", 0), WrKind.RdmaRead, nthRead, WcStatus.RetryExcErr);
        var options = new TargetOptions { NumSharedBuffers = 256, IoUnitSize = 4096, DataWrPoolSize = 64, Defects = defects };
        return new TargetBed(options, new SimOptions { Seed = 3, Faults = FaultPlan.Of(fault) });
    }

    /// <summary>Connects with a read depth of 2 and submits one 8-block write.</summary>
    private static (RawHost Host, RdmaQpair Qpair) WriteIntoFault(TargetBed bed)
    {
        var host = bed.AddHost("host", 8);
        bed.Connect(host, qid: 1, readDepth: 2);
        var qpair = bed.Transport.Qpairs[0];
        Assert.Equal(2, qpair.MaxReadDepth);
        const uint length = Blocks * 4096;
        host.Slot(1, (int)length).Fill(0x5A);
        var write = new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = 1, Nsid = 1, Slba = 0, Nlb = Blocks - 1 };
        Assert.Equal(0, host.SubmitDescriptorList(write.ToCommand(), 1, length, Blocks));
        return (host, qpair);
    }
}
