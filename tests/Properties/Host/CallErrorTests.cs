using Harness.Sim.Cm;
using Harness.Sim.Faults;
using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// Goal: a verbs or CM call the transport makes while it connects (<see cref="CallErrorFault"/>, site call_error) fails
/// with the provider's errno, and the transport takes its real error path: the host fails the connect (the controller
/// reports it failed), leaves no QP, id, CQ or MR behind, and a reset connects again; the target destroys what it had
/// set up for the connection and rejects it.
/// </summary>
public sealed class CallErrorTests
{
    /// <summary>
    /// Host calls: each one's first call is the admin qpair's connect. Target calls: the first CONNECT_REQUEST's
    /// rdma_create_qp and rdma_accept, and its first per-qpair ibv_reg_mr (the second: the first is the buffer pool's at
    /// start).
    /// </summary>
    [Theory]
    [InlineData("host", VerbsCall.ResolveAddr, 1, Errno.ENODEV)]
    [InlineData("host", VerbsCall.ResolveRoute, 1, Errno.ENODEV)]
    [InlineData("host", VerbsCall.CreateCq, 1, Errno.ENOMEM)]
    [InlineData("host", VerbsCall.CreateQp, 1, Errno.ENOMEM)]
    [InlineData("host", VerbsCall.RegMr, 1, Errno.ENOMEM)]
    [InlineData("host", VerbsCall.Connect, 1, Errno.ENOMEM)]
    [InlineData("target", VerbsCall.CreateQp, 1, Errno.ENOMEM)]
    [InlineData("target", VerbsCall.RegMr, 2, Errno.ENOMEM)]
    [InlineData("target", VerbsCall.RegMr, 4, Errno.ENOMEM)]
    [InlineData("target", VerbsCall.Accept, 1, Errno.ENOMEM)]
    public void A_failed_call_fails_the_admin_connect_cleanly_and_a_reset_connects(string side, VerbsCall call, int nth, int errno)
    {
        using var bed = new TargetStackBed(seed: 3, groups: 1, faults: FaultPlan.Of(new CallErrorFault(side, call, nth, errno)));
        bed.Controller.Start();
        bed.RunUntil(() => bed.Controller.State == ControllerState.Failed, $"{side} {VerbsCallNames.Format(call)} #{nth} failing fails the controller");

        Assert.Empty(bed.Fabric.Faults.NeverFired());
        Assert.Equal(QpairFailureReason.ConnectFailed, bed.Controller.AdminQpair.FailureReason);
        Assert.Equal(NvmeRdmaQpairState.Exited, bed.Controller.AdminQpair.State);
        bed.RunUntil(() => bed.Transport.Qpairs.All(q => q.Destroyed), "the target's qpair for the failed connect destroyed");
        Assert.Null(HostConnectionLeaks(bed));

        bed.Controller.Reset();
        bed.RunUntil(() => bed.Controller.State == ControllerState.Ready, "controller ready after the reset");
        var qpair = bed.Controller.CreateIoQpair(bed.Groups[0], 8);
        bed.RunUntil(() => qpair.State == NvmeRdmaQpairState.Running, "an I/O qpair connects");
        bed.DeleteAll();
        bed.RunUntil(() => bed.Transport.Qpairs.All(q => q.Destroyed), "every target qpair destroyed");
        Assert.Null(HostConnectionLeaks(bed));
        Assert.Empty(bed.HostMachine.Device.Mrs);
    }

    /// <summary>A failed rdma_accept is, as the kernel makes it, a REJECTED on the host: the host never sees ESTABLISHED.</summary>
    [Fact]
    public void A_failed_accept_rejects_the_connection_on_the_host()
    {
        using var bed = new TargetStackBed(seed: 4, groups: 1, faults: FaultPlan.Of(new CallErrorFault("target", VerbsCall.Accept, 1, Errno.ENOMEM)));
        bed.Controller.Start();
        bed.RunUntil(() => bed.Controller.State == ControllerState.Failed, "the controller fails");

        // Without the REJ the host would wait for ESTABLISHED until the CM's connect timeout.
        Assert.True(bed.Fabric.World.NowNs < SimCmId.ConnectTimeoutNsMax, $"the controller failed at {bed.Fabric.World.NowNs} ns: the host waited for the CM's timeout, not a REJ");
        Assert.Equal(QpairFailureReason.ConnectFailed, bed.Controller.AdminQpair.FailureReason);
        Assert.All(((SimCm)bed.HostMachine.Cm).Ids, id => Assert.True(id.Destroyed, $"{id} not destroyed"));
    }

    private static string? HostConnectionLeaks(TargetStackBed bed)
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

        if (host.Device.LiveCqs > 0) // no I/O qpair was created: the poll group has no CQ yet
        {
            leaks.Add($"CQs ({host.Device.LiveCqs})");
        }

        return leaks.Count == 0 ? null : string.Join(", ", leaks);
    }
}
