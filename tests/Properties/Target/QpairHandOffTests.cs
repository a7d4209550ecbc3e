using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Tests.Properties.Nvmf;
using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// The qpair hand-off and the generic qpair lifecycle as SPDK HEAD: the acceptor creates the qpair and sends it to the
/// poll group HEAD's <c>conn_sched</c> picks; that group's thread sets it up and accepts; disconnects asked from other
/// threads travel by message. With the three defects of docs/findings/013-015 switched on, each test's check fails.
/// </summary>
public sealed class QpairHandOffTests
{
    [Fact]
    public void The_acceptor_hands_the_qpair_over_and_the_group_thread_sets_it_up_and_accepts()
    {
        using var bed = new TargetBed(pollGroups: 2);
        var host = bed.AddHost("a", 8);
        host.Connect(bed.Address, RawHost.ConnectPrivateData(0, host.Depth), initiatorDepth: 0, responderResources: 16);
        bed.RunUntil(() => host.PollCm() == null && bed.Transport.Qpairs.Count == 1, "the acceptor handled CONNECT_REQUEST");

        var qpair = bed.Transport.Qpairs[0];
        Assert.True(qpair.HandOffQueued, "the hand-off waits in the group thread's message queue");
        Assert.Null(qpair.Poller); // the acceptor created no QP and touched no poller
        Assert.Null(qpair.Qp);
        Assert.Equal(NvmfQpairState.Uninitialized, qpair.GenericState);
        Assert.Equal(1, qpair.Group!.CurrentUnassociatedQpairs);

        bed.RunUntil(() => host.PollCm() == CmEventType.Established || host.CmEvents.Contains(CmEventType.Established), "ESTABLISHED");
        Assert.False(qpair.HandOffQueued);
        Assert.Equal(0, qpair.Group.CurrentUnassociatedQpairs + qpair.Group.CurrentIoQpairs + qpair.Group.CurrentAdminQpairs - 1);
        Assert.Same(qpair.Group, qpair.Poller!.Group);
        Assert.Equal(NvmfQpairState.Connecting, qpair.GenericState);
    }

    [Fact]
    public void Io_qpairs_of_controllers_with_one_io_queue_each_spread_over_two_groups()
    {
        // One round-robin cursor for all qpairs (the port before) sends admin, I/O, admin, I/O to groups 0, 1, 0, 1: every
        // I/O qpair on group 1. HEAD: admin qpairs on their own cursor, I/O qpairs to the group with the fewest.
        using var bed = new TargetBed(pollGroups: 2);
        var io = new List<RdmaQpair>();
        for (var i = 0; i < 2; i++)
        {
            bed.Connect(bed.AddHost($"admin{i}", 8), qid: 0);
            bed.Connect(bed.AddHost($"io{i}", 8), qid: 1);
            io.Add(bed.Transport.Qpairs[^1]);
        }

        Assert.Equal([0, 1], io.Select(q => q.Group!.Index).Order());
        Assert.All(bed.Transport.PollGroups, g => Assert.Equal(1, g.CurrentIoQpairs));
        Assert.Equal([0, 1], bed.Transport.Qpairs.Where(q => q.Qid == 0).Select(q => q.Group!.Index));
    }

    [Fact]
    public void A_second_disconnect_message_for_a_qpair_destroyed_by_the_first_is_caught_with_the_defect()
    {
        // Two disconnects asked from outside the qpair's thread before either runs (in SPDK: QP_FATAL and DISCONNECTED
        // in one acceptor round, or the keep-alive timer's and DISCONNECTED): two messages. On a device without
        // LAST_WQE_REACHED an idle SRQ qpair is destroyed by the first at once; HEAD's second then runs on freed memory.
        Assert.Null(Record.Exception(() => TwoDisconnectMessages(KnownDefects.None)));
        var e = Assert.Throws<InvariantViolationException>(() => TwoDisconnectMessages(KnownDefects.DisconnectMessageAfterDestroy));
        Assert.Equal(InvariantNames.ObjectLifetime, e.Invariant);
        Assert.Contains("a disconnect message ran after the qpair was freed", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_qpair_initialization_rejects_and_destroys_the_qpair_and_gives_back_its_cq_entries()
    {
        using var bed = InitFailureBed(KnownDefects.None);
        var poller = bed.Transport.PollGroups[0].Pollers[0];
        var host = bed.AddHost("a", 8);
        host.Connect(bed.Address, RawHost.ConnectPrivateData(1, host.Depth), initiatorDepth: 0, responderResources: 16);
        bed.RunUntil(() => host.PollCm() == CmEventType.Rejected, "REJECTED");
        bed.RunFor(1_000_000);

        var qpair = bed.Transport.Qpairs.Single();
        Assert.True(qpair.Freed);
        Assert.False(qpair.CqEntriesReserved);
        Assert.Equal(0, poller.RequiredNumWr);
        Assert.Equal(0, qpair.Group!.CurrentUnassociatedQpairs);
    }

    [Fact]
    public void With_the_defect_the_failed_initialization_disconnects_a_destroyed_cm_id_and_leaks_the_qpair()
    {
        using var bed = InitFailureBed(KnownDefects.QpairInitFailureLeak);
        var host = bed.AddHost("a", 8);
        host.Connect(bed.Address, RawHost.ConnectPrivateData(1, host.Depth), initiatorDepth: 0, responderResources: 16);
        var e = Record.Exception(() => bed.RunUntil(() => { host.PollCm(); return host.CmEvents.Count(t => t != CmEventType.AddrResolved && t != CmEventType.RouteResolved) > 0; }, "the connect ends"));
        Assert.Equal("verbs-contract", ((InvariantViolationException)e!).Invariant);
        Assert.Contains("rdma_disconnect", ((InvariantViolationException)e).Detail, StringComparison.Ordinal);
        var qpair = bed.Transport.Qpairs.Single();
        Assert.False(qpair.Destroyed);
        Assert.True(qpair.CqEntriesReserved); // HEAD never gives back what nvmf_rdma_resize_cq counted
    }

    [Fact]
    public void A_connect_again_after_a_failed_one_is_counted_once_in_the_group()
    {
        var (group, violation) = ConnectTwice(KnownDefects.None);
        Assert.Null(violation);
        Assert.Equal(0, group.CurrentUnassociatedQpairs);
        Assert.Equal(1, group.CurrentIoQpairs);

        (_, violation) = ConnectTwice(KnownDefects.ConnectCountedTwice);
        Assert.NotNull(violation);
        Assert.Equal(InvariantNames.DepthCounters, violation.Invariant);
        Assert.Contains("current_unassociated_qpairs < 0", violation.Detail, StringComparison.Ordinal);
    }

    private static void TwoDisconnectMessages(KnownDefects defects)
    {
        var options = TargetBed.SrqOptions() with { Defects = defects };
        using var bed = new TargetBed(options, new SimOptions { Seed = 1, TraceRecordsInMemory = 0, Provider = Harness.Sim.Nic.SimProvider.Rxe });
        var qpair = bed.ConnectIoQpair();
        bed.RunFor(1_000_000); // idle: the CONNECT's response SEND completed, nothing outstanding
        qpair.Disconnect(); // from the test's thread, not the qpair's: a message each
        qpair.Disconnect();
        Assert.Equal(2, qpair.MessagesQueued);
        bed.RunUntil(() => qpair.Freed, "the qpair is destroyed");
        bed.RunFor(1_000_000);
        Assert.Equal(0, qpair.MessagesQueued);
    }

    /// <summary>The target's ibv_reg_mr of the first qpair's resources fails (call 2: the buffer pool's is call 1).</summary>
    private static TargetBed InitFailureBed(KnownDefects defects) =>
        new(new TargetOptions { NumSharedBuffers = 1024, IoUnitSize = 4096, Defects = defects },
            new SimOptions { Seed = 1, TraceRecordsInMemory = 0, Faults = FaultPlan.Of(new CallErrorFault("target", VerbsCall.RegMr, 2, Errno.ENOMEM)) });

    /// <summary>An I/O qpair sends a CONNECT naming an unknown controller (fails after SQSIZE is checked), then again.</summary>
    private static (RdmaPollGroup Group, InvariantViolationException? Violation) ConnectTwice(KnownDefects defects)
    {
        var nvmf = new NvmfTarget(new NvmfTargetOptions(), new ManualClock());
        using var bed = new TargetBed(new TargetOptions { NumSharedBuffers = 1024, IoUnitSize = 4096, Defects = defects }, handler: nvmf);
        var host = bed.AddHost("a", 8);
        host.Connect(bed.Address, RawHost.ConnectPrivateData(1, host.Depth), initiatorDepth: 0, responderResources: 16);
        bed.RunUntil(() => host.PollCm() == CmEventType.Established, "ESTABLISHED");
        var group = bed.Transport.Qpairs.Single().Group!;
        try
        {
            for (ushort cid = 1; cid <= 2; cid++)
            {
                var connect = new ConnectCommand { Cid = cid, Qid = 1, Sqsize = 7, Dptr = SglDescriptor.InCapsule(0, 1024) }.ToCommand();
                Assert.Equal(0, host.Submit(connect, NvmfTestBed.ConnectDataBytes(0x1234)));
                bed.RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(cid); }, "Fabrics Connect response");
                Assert.NotEqual(NvmeStatus.Success, host.Responses[cid].Status);
            }
        }
        catch (InvariantViolationException e)
        {
            return (group, e);
        }

        return (group, null);
    }
}
