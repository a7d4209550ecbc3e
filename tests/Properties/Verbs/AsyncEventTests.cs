using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Sim.Nic;
using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>
/// Affiliated and unaffiliated asynchronous events reach the device context with rdma-core's meaning: LAST_WQE_REACHED
/// for an SRQ-attached QP entering ERR, CQ_ERR on overrun, SQ_DRAINED once an SQD transition with notify has drained,
/// PORT_ERR then PORT_ACTIVE around a port flap.
/// </summary>
public sealed class AsyncEventTests
{
    [Fact]
    public void Srq_attached_qp_entering_err_raises_last_wqe_reached_and_keeps_the_srq_receives()
    {
        using var pair = ConnectedPair.Create(serverSrq: true);
        var s = pair.Server;
        for (var i = 0; i < 3; i++)
        {
            ConnectedPair.Check(s.PostRecv((ulong)i + 1, s.Sge(i * 1024, 1024)), "post_srq_recv");
        }

        Assert.Empty(Drain(s.Context));
        ConnectedPair.Check(s.Qp.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State), "modify_qp to ERR");

        var events = Drain(s.Context);
        Assert.True(events.Count(e => e.EventType == AsyncEventType.QpLastWqeReached && e.Qp == s.Qp) == 1,
            $"server async events after its SRQ-attached QP went to ERR: [{Names(events)}], expected one QP_LAST_WQE_REACHED for that QP");
        Assert.True(((SimSrq)s.Srq!).Count == 3, $"the SRQ holds {((SimSrq)s.Srq!).Count} receives; a QP error must not flush an SRQ");
        Assert.True(s.PollAll().Count == 0, "SRQ receives were flushed to the CQ by a QP error");
    }

    [Fact]
    public void Destroying_a_qp_drops_its_unread_async_events()
    {
        // The kernel drops a destroyed QP's events nobody read yet (ib_uverbs_release_uevent): a consumer can never get
        // an event naming a QP it destroyed. Before the fix the simulator delivered them.
        using var pair = ConnectedPair.Create(serverSrq: true);
        var s = pair.Server;
        ConnectedPair.Check(s.Qp.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State), "modify_qp to ERR");
        ConnectedPair.Check(s.Qp.Destroy(), "ibv_destroy_qp with its LAST_WQE_REACHED unread");

        var events = Drain(s.Context);
        Assert.True(events.All(e => !ReferenceEquals(e.Qp, s.Qp)),
            $"server async events after its QP was destroyed: [{Names(events)}]; none may name the destroyed QP");
    }

    [Fact]
    public void Qp_without_srq_entering_err_raises_no_last_wqe_reached()
    {
        using var pair = ConnectedPair.Create();
        var c = pair.Client;
        ConnectedPair.Check(c.Qp.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State), "modify_qp to ERR");
        var events = Drain(c.Context);
        Assert.True(events.All(e => e.EventType != AsyncEventType.QpLastWqeReached), $"client async events [{Names(events)}]");
    }

    [Fact]
    public void Cq_overrun_raises_cq_err_once()
    {
        const int cqe = 8;
        // rxe gives a CQ exactly the entries asked for (mlx5 would give 15 for 8).
        using var pair = ConnectedPair.Create(new Harness.Sim.Core.SimOptions { Provider = SimProvider.Rxe, TraceRecordsInMemory = 100_000 }, cqEntries: cqe);
        var c = pair.Client;
        var s = pair.Server;
        for (var i = 0; i < cqe + 3; i++)
        {
            ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, (ulong)i + 1, c.Sge(0, 64), s.Buffer.Address, s.Mr.Rkey), "post_send");
        }

        // The overrun is the consumer's verbs-contract violation (cq-overrun); the run can go on past it to show the CQ
        // stays in error and raises CQ_ERR once.
        var violation = Assert.Throws<Harness.Transport.Invariants.InvariantViolationException>(() => pair.RunUntil(() => c.Qp.OutstandingSends == 0, what: "every WRITE finished"));
        Assert.StartsWith(Harness.Sim.Contract.VerbsContract.CqOverrun + ":", violation.Detail, StringComparison.Ordinal);
        pair.RunIdle(1_000_000_000); // the QP is in ERR: its other WRs flush into the errored CQ and are lost
        Assert.Equal(QpState.Err, c.Qp.State);
        var events = Drain(c.Context);
        Assert.True(events.Count(e => e.EventType == AsyncEventType.CqErr && e.Cq == c.Cq) == 1,
            $"client async events after {cqe + 3} completions into a {cqe}-entry CQ: [{Names(events)}], expected one CQ_ERR for that CQ");
        Assert.True(((SimCq)c.Cq).Overrun, "client CQ does not report the overrun");
        Assert.True(c.PollAll().Count == cqe, $"the overrun CQ should still hold its {cqe} entries");
    }

    [Fact]
    public void Sqd_with_notify_raises_sq_drained_only_after_outstanding_sends_complete()
    {
        using var pair = ConnectedPair.Create();
        var c = pair.Client;
        var s = pair.Server;
        for (var i = 0; i < 5; i++)
        {
            ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, (ulong)i + 1, c.Sge(0, 8192), s.Buffer.Address, s.Mr.Rkey), "post_send");
        }

        var rc = c.Qp.Modify(new QpAttr { QpState = QpState.Sqd, SqDrainAsyncNotify = true }, QpAttrMask.State | QpAttrMask.EnSqdAsyncNotify);
        Assert.True(rc == Errno.Ok, $"RTS -> SQD with EN_SQD_ASYNC_NOTIFY: {Errno.Name(rc)}");
        Assert.True(c.Qp.State == QpState.Sqd, $"client QP is {c.Qp.State.ToName()}");

        // A WR posted in SQD is accepted but not started until the QP is back in RTS.
        ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, 6, c.Sge(0, 8), s.Buffer.Address, s.Mr.Rkey), "post_send in SQD");

        var completed = 0;
        var drainedSeen = false;
        while (!drainedSeen)
        {
            Assert.True(pair.Fabric.World.Step(), "the world went quiet before SQ_DRAINED");
            completed += c.PollAll().Count;
            var events = Drain(c.Context);
            if (events.Any(e => e.EventType == AsyncEventType.SqDrained))
            {
                Assert.True(events.Single(e => e.EventType == AsyncEventType.SqDrained).Qp == c.Qp, "SQ_DRAINED names another QP");
                Assert.True(completed == 5, $"SQ_DRAINED with {completed} of the 5 in-flight WRs completed");
                drainedSeen = true;
            }
        }

        pair.RunIdle(1_000_000);
        Assert.True(c.PollAll().Count == 0, "the WR posted in SQD ran while the QP was in SQD");
        Assert.True(Drain(c.Context).All(e => e.EventType != AsyncEventType.SqDrained), "SQ_DRAINED raised more than once");

        ConnectedPair.Check(c.Qp.Modify(new QpAttr { QpState = QpState.Rts }, QpAttrMask.State), "SQD -> RTS");
        var late = pair.PollUntil((cl, _) => cl.Count == 1, what: "the WR posted in SQD").Client;
        Assert.True(late[0].WrId == 6 && late[0].Status == WcStatus.Success, $"WR {late[0].WrId} completed {late[0].Status.ToIbvName()}");
    }

    [Fact]
    public void Sqd_without_notify_raises_no_sq_drained()
    {
        using var pair = ConnectedPair.Create();
        var c = pair.Client;
        ConnectedPair.Check(c.Qp.Modify(new QpAttr { QpState = QpState.Sqd }, QpAttrMask.State), "RTS -> SQD");
        pair.RunIdle(1_000_000);
        Assert.True(Drain(c.Context).All(e => e.EventType != AsyncEventType.SqDrained), "SQ_DRAINED without EN_SQD_ASYNC_NOTIFY");
    }

    [Fact]
    public void Port_flap_raises_port_err_then_port_active_and_the_port_state_follows()
    {
        const long at = 5_000_000;
        const long down = 2_000_000;
        using var pair = ConnectedPair.Create(new SimOptions { Faults = FaultPlan.Of(new PortFlapFault("client", at, down)), TraceRecordsInMemory = 10_000 });
        var c = pair.Client;
        var s = pair.Server;
        Assert.True(pair.Fabric.World.NowNs < at, "connection took longer than the flap start");

        pair.AdvanceTo(at + (down / 2));
        var duringEvents = Drain(c.Context);
        Assert.True(duringEvents.Select(e => e.EventType).SequenceEqual(new[] { AsyncEventType.PortErr }),
            $"client async events while the port is down: [{Names(duringEvents)}], expected [PORT_ERR]");
        Assert.True(duringEvents[0].PortNum == 1 && duringEvents[0].Qp == null, "PORT_ERR must be an unaffiliated event of port 1");
        ConnectedPair.Check(c.Context.QueryPort(1, out var port), "query_port");
        Assert.True(port.State == PortState.Down, $"client port is {port.State} during the flap");
        Assert.Empty(Drain(s.Context));

        pair.AdvanceTo(at + down + 1);
        var afterEvents = Drain(c.Context);
        Assert.True(afterEvents.Select(e => e.EventType).SequenceEqual(new[] { AsyncEventType.PortActive }),
            $"client async events after the flap: [{Names(afterEvents)}], expected [PORT_ACTIVE]");
        ConnectedPair.Check(c.Context.QueryPort(1, out port), "query_port");
        Assert.True(port.State == PortState.Active, $"client port is {port.State} after the flap");
        Assert.Empty(Drain(s.Context));
    }

    private static List<AsyncEvent> Drain(IVerbsContext context)
    {
        var events = new List<AsyncEvent>();
        while (context.GetAsyncEvent(out var ev) == Errno.Ok)
        {
            events.Add(ev);
            context.AckAsyncEvent(ev);
        }

        return events;
    }

    private static string Names(IEnumerable<AsyncEvent> events) => string.Join(", ", events.Select(e => e.EventType.ToName()));
}
