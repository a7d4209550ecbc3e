using Harness.Sim.Oracle;
using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Invariants;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// Goal: the port's safety nets report what would be undefined behaviour in SPDK instead of absorbing it. A completion
/// whose wr_id points into resources that were freed (in SPDK: a pointer into a destroyed qpair's requests) stops the
/// run as object-lifetime, naming the wr_id and the QP. The broken transport is simulated by posting, on the target's
/// own QP, a WR whose wr_id names resources that no longer exist.
/// </summary>
public sealed class ObjectLifetimeTests
{
    private const int FreedResourcesId = 4000;

    [Fact]
    public void A_completion_for_freed_resources_is_an_object_lifetime_violation()
    {
        using var bed = new TargetBed();
        var host = bed.AddHost("a", 4);
        bed.Connect(host, qid: 1);
        var qpair = bed.Transport.Qpairs.Single(q => !q.Destroyed);
        Assert.Null(bed.Transport.FindResources(FreedResourcesId));

        var wrId = RdmaWrId.Encode(RdmaWrType.Data, FreedResourcesId, 0);
        var wr = new SendWorkRequest { WrId = wrId, Opcode = WrOpcode.RdmaWrite, Flags = SendFlags.Signaled, NumSge = 0, RemoteAddr = host.Data.Address, Rkey = host.DataMr.Rkey };
        lock (bed.Fabric.World.Gate)
        {
            Assert.Equal(Errno.Ok, qpair.Qp!.PostSend(new ReadOnlySpan<SendWorkRequest>(in wr), out _));
        }

        var violation = Assert.Throws<InvariantViolationException>(() => bed.RunFor(1_000_000));
        Assert.Equal(InvariantNames.ObjectLifetime, violation.Invariant);
        Assert.Contains($"wr_id 0x{wrId:x}", violation.Detail, StringComparison.Ordinal);
        Assert.Contains($"QP 0x{qpair.Qp!.QpNum:x}", violation.Detail, StringComparison.Ordinal);
    }
    [Fact]
    public void A_request_freed_while_the_nic_holds_a_wr_carrying_its_wr_id_is_an_object_lifetime_violation()
    {
        using var bed = new TargetBed();
        var host = bed.AddHost("a", 4);
        bed.Connect(host, qid: 1);
        var qpair = bed.Transport.Qpairs.Single(q => !q.Destroyed);
        var req = qpair.Resources!.Reqs[3];
        Assert.Equal(RdmaRequestState.Free, req.State);
        RequestWrLifetime.CheckFreed(req); // holds: nothing of it is on the wire

        // The mutation: the request "was" used and freed while one of its unsignaled RDMA WRITEs is still on the send
        // queue (its slot is freed only when a later signaled completion is polled).
        req.Qpair = qpair;
        var wr = new SendWorkRequest { WrId = req.DataWrId, Opcode = WrOpcode.RdmaWrite, NumSge = 0, RemoteAddr = host.Data.Address, Rkey = host.DataMr.Rkey };
        lock (bed.Fabric.World.Gate)
        {
            Assert.Equal(Errno.Ok, qpair.Qp!.PostSend(new ReadOnlySpan<SendWorkRequest>(in wr), out _));
        }

        var violation = Assert.Throws<InvariantViolationException>(() => RequestWrLifetime.CheckFreed(req));
        Assert.Equal(InvariantNames.ObjectLifetime, violation.Invariant);
        Assert.Contains($"{req} was freed while {qpair.Qp} still holds 1 data WR(s)", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_qpair_destroyed_while_the_controller_executes_one_of_its_commands_is_a_leak()
    {
        using var bed = new TargetBed(TargetBed.SrqOptions());
        var qpair = bed.ConnectIoQpair(depth: 4);
        bed.RunUntil(() => qpair.QueueDepth == 0 && qpair.CurrentSendDepth == 0, "the Fabrics Connect's response is done");
        TargetInvariants.CheckDestroyed(qpair); // holds: nothing in flight

        qpair.Executing = 1; // the mutation: the controller layer still holds one of its commands
        var violation = Assert.Throws<InvariantViolationException>(() => TargetInvariants.CheckDestroyed(qpair));
        Assert.Equal(InvariantNames.NoLeakOnDestroy, violation.Invariant);
        Assert.Contains($"{qpair} destroyed with 1 command(s) still executing", violation.Detail, StringComparison.Ordinal);
    }
}
