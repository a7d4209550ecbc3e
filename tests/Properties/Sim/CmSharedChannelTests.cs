using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Sim.Cm;
using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Sim.Tracing;
using Harness.Tests.Properties.Support;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Sim;

/// <summary>
/// A CM event channel shared by many ids, as SPDK uses one per controller/poll group: every event is delivered exactly
/// once and to its own id, each id sees a legal order, the interleaving across ids is the seed's choice, and the
/// reject / no-listener / destroy-before-ack / dropped-event cases behave as librdmacm does.
/// </summary>
public sealed class CmSharedChannelTests
{
    private static readonly CmEventType[] ActiveLifecycle =
        { CmEventType.AddrResolved, CmEventType.RouteResolved, CmEventType.Established, CmEventType.Disconnected, CmEventType.TimewaitExit };

    private static readonly CmEventType[] PassiveLifecycle =
        { CmEventType.ConnectRequest, CmEventType.Established, CmEventType.Disconnected, CmEventType.TimewaitExit };

    [HarnessProperty(MaxTest = 40)]
    public Property Every_event_reaches_its_own_id_exactly_once_in_lifecycle_order()
    {
        var gen =
            from connections in Gen.Choose(3, 6)
            from serverDisconnects in Gen.ArrayOf(Gen.Elements(true, false), connections)
            from seed in Gen.Choose(1, int.MaxValue)
            select (connections, serverDisconnects, seed);
        return Prop.ForAll(Arb.From(gen), c =>
        {
            using var bed = new CmTestBed(new SimOptions { Seed = (ulong)c.seed, TraceRecordsInMemory = 10_000 });
            RunLifecycle(bed, c.connections, c.serverDisconnects);

            foreach (var (context, _) in bed.ClientIds)
            {
                Assert.True(bed.ByContext[context].SequenceEqual(ActiveLifecycle),
                    $"client id {context} got [{string.Join(", ", bed.ByContext[context].Select(t => t.ToName()))}]");
                Assert.True(bed.ByContext["srv-" + context].SequenceEqual(PassiveLifecycle),
                    $"server id srv-{context} got [{string.Join(", ", bed.ByContext["srv-" + context].Select(t => t.ToName()))}]");
            }

            Assert.True(bed.ClientOrder.Count == c.connections * ActiveLifecycle.Length, $"client channel delivered {bed.ClientOrder.Count} events");
            Assert.True(bed.ServerOrder.Count == c.connections * PassiveLifecycle.Length, $"server channel delivered {bed.ServerOrder.Count} events");
            Assert.All(bed.ClientOrder.Concat(bed.ServerOrder), ev => Assert.True(ev.Acked, $"{ev} was not acked"));

            // What the channels delivered is what the CM traced, one for one.
            var traced = bed.Fabric.Trace.Records.Count(r => r.Kind == TraceKind.CmEvent);
            Assert.True(traced == bed.ClientOrder.Count + bed.ServerOrder.Count, $"{traced} CM events traced, {bed.ClientOrder.Count + bed.ServerOrder.Count} delivered");
        });
    }

    [Fact]
    public void Different_seeds_interleave_the_ids_differently_and_the_same_seed_the_same_way()
    {
        static string Interleaving(ulong seed)
        {
            using var bed = new CmTestBed(new SimOptions { Seed = seed });
            RunLifecycle(bed, 4, new bool[4]);
            return string.Join(" ", bed.ClientOrder.Select(e => $"{e.Id.Context}:{e.EventType.ToName()}"));
        }

        var bySeed = Enumerable.Range(1, 8).Select(s => Interleaving((ulong)s)).ToList();
        Assert.True(bySeed.Distinct().Count() >= 2, "eight seeds gave one single interleaving of four ids on the shared channel");
        Assert.Equal(bySeed[2], Interleaving(3));
    }

    [Fact]
    public void Rejected_carries_the_private_data_given_to_reject_and_status_28()
    {
        var privateData = Enumerable.Range(0, 40).Select(i => (byte)(0xA0 + i)).ToArray();
        using var bed = new CmTestBed(new SimOptions { Seed = 5, TraceRecordsInMemory = 10_000 });
        bed.RejectWith = from => from == "conn-1" ? privateData : null;
        bed.StartConnections(3);
        bed.Pump(() => bed.AllGot(new[] { "conn-0", "conn-2", "srv-conn-0", "srv-conn-2" }, CmEventType.Established) &&
            bed.AllGot(new[] { "conn-1" }, CmEventType.Rejected), what: "two established and one rejected");
        bed.PumpUntilQuiet(10_000_000);

        var rejected = bed.ClientOrder.Single(e => e.EventType == CmEventType.Rejected);
        Assert.True(Equals(rejected.Id.Context, "conn-1"), $"REJECTED went to {rejected.Id.Context}");
        Assert.True(rejected.Status == CmRejectReason.ConsumerReject, $"REJECTED status {rejected.Status}, expected 28 (consumer reject)");
        Assert.Equal(privateData, rejected.Param.PrivateData.ToArray());
        Assert.Equal(new[] { CmEventType.AddrResolved, CmEventType.RouteResolved, CmEventType.Rejected }, bed.ByContext["conn-1"]);
        Assert.Equal(new[] { CmEventType.ConnectRequest }, bed.ByContext["srv-conn-1"]);
        Assert.True(bed.ServerIds["srv-conn-1"].Destroy() == Errno.Ok, "destroying the rejected server id");
        Assert.True(bed.ClientIds["conn-1"].Destroy() == Errno.Ok, "destroying the rejected client id");
    }

    [Fact]
    public void Connecting_to_a_port_without_listener_is_rejected_with_status_8()
    {
        using var bed = new CmTestBed(new SimOptions { Seed = 2 });
        bed.StartConnections(3, port: CmTestBed.ListenPort + 1);
        bed.Pump(() => bed.AllGot(bed.ClientIds.Keys, CmEventType.Rejected), what: "three REJECTED");
        foreach (var ev in bed.ClientOrder.Where(e => e.EventType == CmEventType.Rejected))
        {
            Assert.True(ev.Status == CmRejectReason.InvalidServiceId, $"{ev.Id.Context}: REJECTED status {ev.Status}, expected 8 (invalid service id)");
            Assert.True(ev.Param.PrivateData.IsEmpty, $"{ev.Id.Context}: REJECTED without a listener carries private data");
        }

        Assert.Empty(bed.ServerOrder);
    }

    [Fact]
    public void Destroy_with_an_unacked_event_hangs_and_succeeds_after_the_ack()
    {
        using var bed = new CmTestBed(new SimOptions { Seed = 8 });
        bed.AutoAck = false;
        bed.StartConnections(3);
        bed.Pump(() => bed.Client.Unacked.Count == 3, what: "three ADDR_RESOLVED got");
        var ev = bed.Client.Unacked.First(e => Equals(e.Id.Context, "conn-1"));
        var id = (SimCmId)ev.Id;
        var hang = Assert.Throws<SimulatedHangException>(() => id.Destroy());
        Assert.Contains("never acked", hang.Message, StringComparison.Ordinal);
        Assert.False(id.Destroyed, "a destroy that hung must not have destroyed the id");

        ConnectedPair.Check(bed.Client.Host.Cm.AckEvent(ev), "ack");
        var twice = Assert.Throws<Harness.Transport.Invariants.InvariantViolationException>(() => bed.Client.Host.Cm.AckEvent(ev));
        Assert.Contains(Harness.Sim.Contract.VerbsContract.AckedTwice, twice.Message, StringComparison.Ordinal);
        Assert.True(id.Destroy() == Errno.Ok, "destroy after the ack");
        Assert.True(id.Destroyed, "id not destroyed");

        // Its route resolution was under way: nothing more may arrive for the destroyed id.
        bed.PumpUntilQuiet(10_000_000);
        Assert.True(bed.ClientOrder.Count(e => ReferenceEquals(e.Id, id)) == 1, "an event reached a destroyed id");
    }

    [Fact]
    public void Destroy_discards_events_queued_but_not_yet_got()
    {
        using var bed = new CmTestBed(new SimOptions { Seed = 4 });
        bed.StartConnections(1);
        var id = bed.ClientIds["conn-0"];

        // Let ADDR_RESOLVED reach the channel without getting it, then destroy: it is discarded, not delivered.
        bed.Fabric.Run(bed.Fabric.World.NowNs + 1_000_000);
        Assert.True(((SimCmEventChannel)bed.Client.Channel).ReadyCount == 1, "ADDR_RESOLVED is not waiting on the channel");
        Assert.True(id.Destroy() == Errno.Ok, "destroy with an event queued but never got");
        Assert.True(bed.Client.Channel.GetEvent(out var ev) == Errno.EAGAIN, $"got {ev} for a destroyed id");
    }

    [Fact]
    public void Drop_cm_event_fault_drops_exactly_that_event()
    {
        const int connections = 4;
        var plan = FaultPlan.Of(new DropCmEventFault("client", CmEventType.Established, 2));
        using var bed = new CmTestBed(new SimOptions { Seed = 12, Faults = plan, TraceRecordsInMemory = 10_000 });
        bed.StartConnections(connections);
        bed.Pump(() => bed.AllGot(bed.ClientIds.Keys.Select(k => "srv-" + k), CmEventType.Established), what: "every server id established");
        bed.PumpUntilQuiet(10_000_000);

        var missing = bed.ClientIds.Keys.Where(k => !bed.ByContext[k].Contains(CmEventType.Established)).ToList();
        Assert.True(missing.Count == 1, $"client ids without ESTABLISHED: [{string.Join(", ", missing)}], expected exactly one");
        Assert.Equal(new[] { CmEventType.AddrResolved, CmEventType.RouteResolved }, bed.ByContext[missing[0]]);

        // The connection itself is up (only the event was lost): disconnecting it works and the rest of its events arrive.
        foreach (var id in bed.ClientIds.Values)
        {
            ConnectedPair.Check(id.Disconnect(), $"disconnect {id.Context}");
        }

        bed.PumpUntilQuiet(100_000_000);
        Assert.Equal(new[] { CmEventType.AddrResolved, CmEventType.RouteResolved, CmEventType.Disconnected, CmEventType.TimewaitExit },
            bed.ByContext[missing[0]]);
        foreach (var context in bed.ClientIds.Keys.Except(missing))
        {
            Assert.True(bed.ByContext[context].SequenceEqual(ActiveLifecycle), $"{context} got [{string.Join(", ", bed.ByContext[context].Select(t => t.ToName()))}]");
        }

        foreach (var context in bed.ServerIds.Keys)
        {
            Assert.True(bed.ByContext[context].SequenceEqual(PassiveLifecycle), $"{context} got [{string.Join(", ", bed.ByContext[context].Select(t => t.ToName()))}]");
        }

        var drops = bed.Fabric.Trace.Records.Where(r => r.Kind == TraceKind.Fault && r.Op == "cm_drop").ToList();
        Assert.True(drops.Count == 1 && drops[0].Node == "client" && drops[0].Status == "ESTABLISHED" && drops[0].Arg == 2,
            $"cm_drop fault records: {drops.Count}");
    }

    /// <summary>Connects, waits until both ends of every connection are established, disconnects each from the chosen side, waits for TIMEWAIT_EXIT everywhere.</summary>
    private static void RunLifecycle(CmTestBed bed, int connections, bool[] serverDisconnects)
    {
        bed.StartConnections(connections);
        var all = bed.ClientIds.Keys.ToList();
        var servers = all.Select(k => "srv-" + k).ToList();
        bed.Pump(() => bed.AllGot(all, CmEventType.Established) && bed.AllGot(servers, CmEventType.Established), what: "every connection established");
        for (var i = 0; i < connections; i++)
        {
            var id = serverDisconnects[i] ? bed.ServerIds[servers[i]] : bed.ClientIds[all[i]];
            ConnectedPair.Check(id.Disconnect(), $"disconnect {id.Context}");
        }

        bed.Pump(() => bed.AllGot(all, CmEventType.TimewaitExit) && bed.AllGot(servers, CmEventType.TimewaitExit), what: "every id out of timewait");
        bed.PumpUntilQuiet(100_000_000);
        for (var i = 0; i < connections; i++)
        {
            var id = serverDisconnects[i] ? bed.ServerIds[servers[i]] : bed.ClientIds[all[i]];
            Assert.True(id.Qp!.State == QpState.Err, $"{id.Context}: QP is {id.Qp!.State.ToName()} after rdma_disconnect");
        }
    }
}
