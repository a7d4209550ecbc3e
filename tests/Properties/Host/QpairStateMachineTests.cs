using Harness.Sim.Faults;
using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;
using Harness.Transport.Invariants;
using S = Harness.Transport.Host.NvmeRdmaQpairState;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// The qpair state machine: SPDK's states in SPDK's order, exactly the legal transitions, an invariant violation for
/// anything else (and for a transition whose precondition does not hold), and the paths real runs take.
/// </summary>
public sealed class QpairStateMachineTests
{
    private static readonly HashSet<(S From, S To)> Legal = new()
    {
        (S.Invalid, S.Initializing), (S.StaleConn, S.Initializing), (S.Exited, S.Initializing),
        (S.Initializing, S.FabricConnectSend), (S.FabricConnectSend, S.FabricConnectPoll), (S.FabricConnectPoll, S.Running),
        (S.Invalid, S.Exiting), (S.StaleConn, S.Exiting), (S.Initializing, S.Exiting), (S.FabricConnectSend, S.Exiting),
        (S.FabricConnectPoll, S.Exiting), (S.Running, S.Exiting),
        (S.Exiting, S.Lingering), (S.Exiting, S.Exited), (S.Exiting, S.StaleConn), (S.Lingering, S.Exited),
        (S.Exiting, S.StaleConnLingering), (S.StaleConnLingering, S.StaleConn), (S.StaleConnLingering, S.Exiting),
    };

    [Fact]
    public void States_are_spdks_in_spdks_order()
    {
        var names = Enum.GetValues<S>().Select(s => s.ToSpdkName()).ToArray();
        Assert.Equal(
            new[]
            {
                "NVME_RDMA_QPAIR_STATE_INVALID", "NVME_RDMA_QPAIR_STATE_STALE_CONN", "NVME_RDMA_QPAIR_STATE_STALE_CONN_LINGERING",
                "NVME_RDMA_QPAIR_STATE_INITIALIZING",
                "NVME_RDMA_QPAIR_STATE_FABRIC_CONNECT_SEND", "NVME_RDMA_QPAIR_STATE_FABRIC_CONNECT_POLL", "NVME_RDMA_QPAIR_STATE_RUNNING",
                "NVME_RDMA_QPAIR_STATE_EXITING", "NVME_RDMA_QPAIR_STATE_LINGERING", "NVME_RDMA_QPAIR_STATE_EXITED",
            },
            names);
        Assert.Equal(Enumerable.Range(0, names.Length), Enum.GetValues<S>().Select(s => (int)s));
    }

    [Fact]
    public void Exactly_the_table_of_transitions_is_legal()
    {
        foreach (var from in Enum.GetValues<S>())
        {
            foreach (var to in Enum.GetValues<S>())
            {
                Assert.True(NvmeRdmaQpairStates.IsLegal(from, to) == Legal.Contains((from, to)),
                    $"{from.ToSpdkName()} -> {to.ToSpdkName()}: IsLegal says {NvmeRdmaQpairStates.IsLegal(from, to)}");
            }
        }
    }

    [Fact]
    public void Every_illegal_transition_from_every_state_a_live_qpair_reaches_is_refused_and_changes_nothing()
    {
        // Completions of io0 (host CQ 1) show up 5 ms late: a disconnecting qpair lingers.
        var plan = FaultPlan.Of(new DelayCqFault("host", Cq: 1, DelayNs: 5_000_000, FromNs: 0, UntilNs: long.MaxValue));
        using var bed = new HostBed(faults: plan, manual: true);
        bed.StartController();
        var io0 = (ManualReactor)bed.GroupReactors[0];
        var qpair = bed.Controller.CreateIoQpair(bed.Groups[0]);
        var seen = new HashSet<S>();
        void RefuseIllegal()
        {
            var state = qpair.State;
            seen.Add(state);
            foreach (var to in Enum.GetValues<S>().Where(to => !Legal.Contains((state, to))))
            {
                var e = Assert.Throws<InvariantViolationException>(() => qpair.SetState(to));
                Assert.Equal(InvariantNames.StateTransition, e.Invariant);
                Assert.Contains(qpair.Name, e.Message, StringComparison.Ordinal);
                Assert.Equal(state, qpair.State);
            }
        }

        RefuseIllegal(); // INVALID: created, its thread has not run yet
        io0.PollOnce();
        RefuseIllegal(); // INITIALIZING
        bed.RunUntil(() => qpair.State == S.FabricConnectSend, "FABRIC_CONNECT_SEND");
        RefuseIllegal();
        bed.RunUntil(() => qpair.State == S.FabricConnectPoll, "FABRIC_CONNECT_POLL");
        RefuseIllegal();
        bed.RunUntil(() => qpair.State == S.Running, "RUNNING");
        RefuseIllegal();
        qpair.Disconnect();
        io0.PollOnce();
        RefuseIllegal(); // EXITING: waiting for DISCONNECTED
        bed.RunUntil(() => qpair.State == S.Lingering, "LINGERING");
        RefuseIllegal();
        bed.RunUntil(() => qpair.State == S.Exited, "EXITED");
        RefuseIllegal();

        // Stale-connection rejects are not scripted here; STALE_CONN_LINGERING is unreachable (SpdkNvmeRdmaUtTests).
        Assert.Equal(Enum.GetValues<S>().Where(s => s is not (S.StaleConn or S.StaleConnLingering)), seen.Order());
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void A_legal_transition_whose_precondition_fails_is_an_invariant_violation()
    {
        using var bed = new HostBed();
        bed.StartController();
        var qpair = bed.ConnectIoQpairs(1)[0];

        // RUNNING -> EXITING is legal, but only under the controller lock; the test thread does not hold it.
        var e = Assert.Throws<InvariantViolationException>(() => qpair.SetState(S.Exiting));
        Assert.Contains("requires the controller lock", e.Message, StringComparison.Ordinal);
        Assert.Equal(S.Running, qpair.State);
    }

    [Fact]
    public void Connect_and_disconnect_walk_the_legal_path_and_reconnect_starts_over()
    {
        using var bed = new HostBed();
        bed.StartController();
        var qpair = bed.ConnectIoQpairs(1)[0];
        qpair.Disconnect();
        bed.RunUntil(() => qpair.State == S.Exited, "EXITED");
        qpair.Reconnect();
        bed.RunUntil(() => qpair.State == S.Running, "RUNNING again");

        Assert.Equal(
            new[] { S.Invalid, S.Initializing, S.FabricConnectSend, S.FabricConnectPoll, S.Running, S.Exiting, S.Exited, S.Initializing, S.FabricConnectSend, S.FabricConnectPoll, S.Running },
            qpair.StateHistory);
        Assert.Equal(
            new[] { S.Invalid, S.Initializing, S.FabricConnectSend, S.FabricConnectPoll, S.Running },
            bed.Controller.AdminQpair.StateHistory);
        Assert.Equal(QpairFailureReason.None, qpair.FailureReason);
    }

    [Fact]
    public void A_disconnect_with_completions_still_in_the_shared_cq_lingers_until_they_arrive()
    {
        // The host's io0 CQ is its second (the admin CQ is the first): completions written in [50, 60) ms show 5 ms late.
        var plan = FaultPlan.Of(new DelayCqFault("host", Cq: 1, DelayNs: 5_000_000, FromNs: 50_000_000, UntilNs: 60_000_000));
        using var bed = new HostBed(faults: plan);
        bed.StartController();
        var qpair = bed.ConnectIoQpairs(1)[0];
        Assert.Equal(1, ((Harness.Sim.Nic.SimCq)bed.Groups[0].Cq!).Ordinal);
        bed.RunUntil(() => bed.NowNs >= 50_000_000, "t = 50 ms");
        qpair.Disconnect();
        bed.RunUntil(() => qpair.State == S.Lingering, "LINGERING");
        Assert.Equal(qpair.NumEntries, qpair.CurrentNumRecvs);
        bed.RunUntil(() => qpair.State == S.Exited, "EXITED");

        Assert.True(bed.NowNs >= 55_000_000, $"left LINGERING at {bed.NowNs} ns, before the delayed flushes could arrive");
        Assert.Equal(new[] { S.Running, S.Exiting, S.Lingering, S.Exited }, qpair.StateHistory.Skip(4));
        Assert.Equal(0, qpair.AbandonedWrs);
        bed.DeleteAll();
        Assert.Null(bed.HostLeaks());
    }
}
