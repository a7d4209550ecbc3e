using System.Collections.Concurrent;
using System.Net;
using Harness.Sim.Cm;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Systematic.Sim;

/// <summary>
/// The simulator in threaded mode, the mode Coyote drives: several OS threads call into one world. These tests pin
/// the two CM rules the host transport's races revolve around, under real threads: an event on a shared channel is
/// handed to exactly one poller, and rdma_destroy_id really blocks until the events it was given are acked.
/// </summary>
public sealed class ThreadedCmChannelTests
{
    private const int JoinTimeoutMs = 30_000;

    [Fact]
    public void Destroy_id_blocks_until_its_delivered_event_is_acked_then_returns()
    {
        var (fabric, client, channel) = NewWorld();
        Assert.Equal(Errno.Ok, client.Cm.CreateId(channel, "a", PortSpace.Tcp, out var id));
        Assert.Equal(Errno.Ok, id!.ResolveAddr(null, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 4420), 1000));
        var ev = PumpUntilEvent(fabric, channel);

        var destroyReturned = new ManualResetEventSlim();
        var destroyer = new Thread(() =>
        {
            id.Destroy();
            destroyReturned.Set();
        });
        destroyer.Start();

        // Nobody has acked: destroy must still be waiting (it cannot return without the ack, so this is not a race).
        Assert.False(destroyReturned.Wait(200), "rdma_destroy_id returned while an event it was given was still unacked");
        Assert.Equal(Errno.Ok, client.Cm.AckEvent(ev));
        Assert.True(destroyReturned.Wait(JoinTimeoutMs), "rdma_destroy_id did not return after the ack");
        Assert.True(((SimCmId)id).Destroyed);
    }

    [Fact]
    public void Events_of_many_ids_on_one_channel_reach_exactly_one_of_several_polling_threads()
    {
        const int IdCount = 8;
        const int PollerCount = 3;
        var (fabric, client, channel) = NewWorld();
        for (var i = 0; i < IdCount; i++)
        {
            Assert.Equal(Errno.Ok, client.Cm.CreateId(channel, i, PortSpace.Tcp, out var id));
            Assert.Equal(Errno.Ok, id!.ResolveAddr(null, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 4420), 1000));
        }

        var got = new ConcurrentBag<(int Poller, CmEvent Event)>();
        var failures = new ConcurrentQueue<string>();
        var pollers = Enumerable.Range(0, PollerCount).Select(p => new Thread(() =>
        {
            while (got.Count < IdCount)
            {
                if (channel.GetEvent(out var ev) == Errno.Ok)
                {
                    got.Add((p, ev!));
                    var rc = client.Cm.AckEvent(ev!);
                    if (rc != Errno.Ok)
                    {
                        failures.Enqueue($"ack of {ev} on poller {p} failed: {Errno.Name(rc)}");
                    }
                }
                else
                {
                    Thread.Yield();
                }
            }
        })).ToList();
        pollers.ForEach(t => t.Start());
        while (fabric.World.Step())
        {
        }

        Assert.All(pollers, t => Assert.True(t.Join(JoinTimeoutMs), "a poller thread never finished"));
        Assert.Empty(failures);
        Assert.Equal(IdCount, got.Count);
        Assert.Equal(Enumerable.Range(0, IdCount), got.Select(g => (int)g.Event.Id.Context!).OrderBy(x => x));
        Assert.All(got, g => Assert.Equal(CmEventType.AddrResolved, g.Event.EventType));
        Assert.All(got, g => Assert.True(g.Event.Acked, $"event {g.Event} was not acked"));
    }

    private static (SimFabric Fabric, SimHost Client, ICmEventChannel Channel) NewWorld()
    {
        var fabric = new SimFabric(new SimOptions { Seed = 3 }, threading: SimThreading.Threaded);
        fabric.AddHost("server", IPAddress.Parse("192.0.2.1"));
        var client = fabric.AddHost("client", IPAddress.Parse("192.0.2.2"));
        Assert.Equal(Errno.Ok, client.Cm.CreateEventChannel(out var channel));
        return (fabric, client, channel!);
    }

    private static CmEvent PumpUntilEvent(SimFabric fabric, ICmEventChannel channel)
    {
        CmEvent? ev = null;
        while (channel.GetEvent(out ev) != Errno.Ok)
        {
            Assert.True(fabric.World.Step(), "the world ran out of events before the CM event arrived");
        }

        return ev!;
    }
}
