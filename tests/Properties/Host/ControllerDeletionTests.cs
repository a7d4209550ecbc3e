using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Sim.Faults;
using Harness.Tests.Properties.Host.Support;
using Harness.Tests.Properties.Support;
using Harness.Transport.Host;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using S = Harness.Transport.Host.NvmeRdmaQpairState;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// Deleting a controller whatever its qpairs are doing — I/O in flight, CM events in flight, qpairs in every state —
/// ends within bounded virtual time, completes every command exactly once and leaves nothing behind on the host.
/// </summary>
public sealed class ControllerDeletionTests
{
    private const long DeleteLimitNs = 10_000_000_000;

    [HarnessProperty(MaxTest = 30)]
    public Property Deleting_a_controller_with_io_and_cm_events_in_flight_ends_and_leaks_nothing()
    {
        var gen =
            from seed in Gen.Choose(1, int.MaxValue)
            from qpairs in Gen.Choose(1, 5)
            from connectUs in Gen.Choose(0, 300)
            from deleteAfterUs in Gen.Choose(0, 3_000)
            from targetDisconnects in Gen.Elements(false, true)
            from lateCq in Gen.Elements(false, true)
            select (seed, qpairs, connectUs, deleteAfterUs, targetDisconnects, lateCq);
        return Prop.ForAll(Arb.From(gen), c =>
        {
            // Completions of the first poll group show up 2 ms late: its disconnecting qpairs linger.
            var plan = c.lateCq ? FaultPlan.Of(new DelayCqFault("host", 1, 2_000_000, 0, long.MaxValue)) : FaultPlan.None;
            using var bed = new HostBed((ulong)c.seed, faults: plan);
            bed.StartController();
            var tracker = new IoTracker();
            var qps = Enumerable.Range(0, c.qpairs).Select(i => bed.Controller.CreateIoQpair(bed.Groups[i % 2], 16)).ToArray();
            var loads = bed.GroupReactors.Select((r, g) => new IoLoad(bed, r, qps.Where((_, i) => i % 2 == g).ToArray(), tracker, budget: 2_000)).ToArray();
            bed.RunFor(c.connectUs * 1_000L); // the qpairs may still be connecting
            if (c.targetDisconnects)
            {
                bed.Target.Disconnect(qid: qps[0].Qid); // DISCONNECTED and TIMEWAIT_EXIT now on their way
            }

            bed.RunFor(c.deleteAfterUs * 1_000L);
            var states = string.Join(", ", qps.Select(q => q.State.ToSpdkName()));
            bed.Controller.Delete();
            bed.RunUntil(() => bed.Controller.State == ControllerState.Deleted, $"controller deleted (qpairs were {states})", DeleteLimitNs);

            Assert.False(bed.Controller.TeardownTimedOut);
            Assert.Equal(0, tracker.Outstanding);
            Assert.All(tracker.Completions, cpl => Assert.True(cpl.Status.IsSuccess || cpl.Status.HasSameCode(NvmeStatus.AbortedSqDeletion), $"{cpl}"));
            Assert.All(qps, q => Assert.True(q.IsFreed, $"{q} not freed"));
            Assert.Equal(bed.Controller.CmEventsGot, bed.Controller.CmEventsAcked);
            foreach (var load in loads)
            {
                load.Stop();
            }

            foreach (var group in bed.Groups)
            {
                group.Dispose();
            }

            bed.FreeBuffers();
            Assert.Null(bed.HostLeaks());
        });
    }

    [Fact]
    public void Deleting_a_controller_with_qpairs_in_every_state_ends_and_leaks_nothing()
    {
        // io0..io3 get their CQs in this order (host CQ 0 is the admin qpair's): io2's completions show up 50 ms late.
        var plan = FaultPlan.Of(
            new DelayCqFault("host", 3, 50_000_000, 0, long.MaxValue),
            new DropCmEventFault("host", CmEventType.Disconnected, 3)); // the third DISCONNECTED never comes
        using var bed = new HostBed(faults: plan, groups: 4);
        bed.StartController();
        var ctrl = bed.Controller;
        var tracker = new IoTracker();
        var buffer = bed.Buffer(16 * 512);
        var running = Connect(bed, 0);
        var exited = Connect(bed, 1);
        var lingering = Connect(bed, 2);
        var exiting = Connect(bed, 3);
        bed.Target.Drop = (cmd, qid) => (qid == running.Qid && cmd.Opcode == (byte)NvmeIoOpcode.Read) ||
            (cmd.IsFabrics && cmd.FabricsType == FabricsCommandType.Connect && qid == 6);
        for (var i = 0; i < 8; i++)
        {
            var ii = i;
            HostIo.Submit(bed, tracker, running, ctx => running.SubmitRead(1, (ulong)ii, 1, buffer, 512 * ii, tracker.Callback, ctx));
        }

        exited.Disconnect(); // DISCONNECTED #1
        bed.RunUntil(() => exited.State == S.Exited, "EXITED");
        lingering.Disconnect(); // DISCONNECTED #2, flushes 50 ms late
        bed.RunUntil(() => lingering.State == S.Lingering, "LINGERING");
        exiting.Disconnect(); // DISCONNECTED #3 is dropped: EXITING until the CM event timeout
        var connectPoll = ctrl.CreateIoQpair(bed.Groups[0]); // qid 5 connects...
        Assert.Equal(5, connectPoll.Qid);
        bed.RunUntil(() => exiting.State == S.Exiting && connectPoll.State == S.Running, "qid 5 up");
        var fabricConnectPoll = ctrl.CreateIoQpair(bed.Groups[1]); // qid 6: the target never answers its Fabrics Connect
        bed.RunUntil(() => fabricConnectPoll.State == S.FabricConnectPoll, "FABRIC_CONNECT_POLL");
        var initializing = ctrl.CreateIoQpair(bed.Groups[2]);
        bed.RunUntil(() => initializing.State == S.Initializing, "INITIALIZING");
        var invalid = ctrl.CreateIoQpair(bed.Groups[3]);

        var all = new[] { invalid, initializing, fabricConnectPoll, running, exiting, lingering, exited };
        Assert.Equal(new[] { S.Invalid, S.Initializing, S.FabricConnectPoll, S.Running, S.Exiting, S.Lingering, S.Exited }, all.Select(q => q.State));
        Assert.Equal(8, tracker.Outstanding);
        ctrl.Delete();
        bed.RunUntil(() => ctrl.State == ControllerState.Deleted, "controller deleted", DeleteLimitNs);

        Assert.False(ctrl.TeardownTimedOut);
        Assert.Equal(0, tracker.Outstanding);
        Assert.All(tracker.Completions, cpl => Assert.True(cpl.Status.HasSameCode(NvmeStatus.AbortedSqDeletion) && cpl.Status.Dnr, $"{cpl}"));
        Assert.All(all.Append(connectPoll), q => Assert.True(q.IsFreed, $"{q} not freed"));
        Assert.Equal(ctrl.CmEventsGot, ctrl.CmEventsAcked);
        foreach (var group in bed.Groups)
        {
            group.Dispose();
        }

        bed.FreeBuffers();
        Assert.Null(bed.HostLeaks());
    }

    [Fact]
    public void A_deletion_whose_qpair_thread_never_runs_reports_the_timeout_instead_of_waiting_forever()
    {
        using var bed = new HostBed(options: HostBed.DefaultOptions() with { ControllerTeardownTimeoutNs = 100_000_000 }, manual: true);
        bed.StartController();
        var qpair = bed.ConnectIoQpairs(1)[0];
        var admin = (ManualReactor)bed.AdminReactor;
        bed.Controller.Delete();
        bed.RunUntil(() => bed.Controller.TeardownTimedOut, "the teardown timeout", 1_000_000_000, poll: () => admin.PollOnce());
        Assert.Equal(ControllerState.Deleting, bed.Controller.State);
        Assert.Equal(S.Running, qpair.State); // its thread (io0) never ran

        bed.RunUntil(() => bed.Controller.State == ControllerState.Deleted, "deleted once io0 runs again");
        Assert.True(qpair.IsFreed);
        foreach (var group in bed.Groups)
        {
            group.Dispose();
        }

        Assert.Null(bed.HostLeaks());
    }

    private static NvmeRdmaQpair Connect(HostBed bed, int group)
    {
        var q = bed.Controller.CreateIoQpair(bed.Groups[group]);
        bed.RunUntil(() => q.State == S.Running, $"qpair on group {group} running");
        Assert.Equal(group + 1, ((Harness.Sim.Nic.SimCq)bed.Groups[group].Cq!).Ordinal);
        return q;
    }
}
