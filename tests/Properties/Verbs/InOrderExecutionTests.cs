using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>
/// RC executes a QP's requests at the responder in posting (PSN) order. When a request is lost or RNR-NAKed, the
/// responder discards the requests behind it until it is retried (go-back-N), so a later WRITE or SEND can never take
/// effect before an earlier one: the NVMe-oF target relies on this when it posts the data WRITE and then the response SEND.
/// And a WR that fails takes the ones behind it down unexecuted: they complete WR_FLUSH_ERR and have no remote effect.
/// </summary>
public sealed class InOrderExecutionTests
{
    private const int RegionBytes = 1024;

    [HarnessProperty(MaxTest = 50)]
    public Property Remote_effects_appear_in_posting_order_despite_loss_and_rnr()
    {
        var gen =
            from ops in Gen.Choose(2, 16).SelectMany(n => Gen.ArrayOf(Gen.Elements(WrOpcode.Send, WrOpcode.RdmaWrite), n))
            from lossAt in Gen.Choose(0, ops.Length - 1)
            from drops in Gen.Choose(0, 3)
            from lateRecvs in Gen.Choose(0, ops.Count(o => o == WrOpcode.Send))
            from seed in Gen.Choose(1, 100_000)
            select (ops, lossAt, drops, lateRecvs, seed);
        return Prop.ForAll(Arb.From(gen), c => CheckOrder(c.ops, c.lossAt, c.drops, c.lateRecvs, (ulong)c.seed));
    }

    [Fact]
    public void Response_send_never_overtakes_a_lost_data_write()
    {
        CheckOrder(new[] { WrOpcode.RdmaWrite, WrOpcode.Send }, lossAt: 0, drops: 1, lateRecvs: 0, seed: 1);
    }

    [Fact]
    public void Write_behind_an_rnr_naked_send_waits_for_the_send()
    {
        CheckOrder(new[] { WrOpcode.Send, WrOpcode.RdmaWrite, WrOpcode.RdmaWrite }, lossAt: 0, drops: 0, lateRecvs: 1, seed: 1);
    }

    [Fact]
    public void Wrs_behind_a_failed_wr_are_flushed_without_any_remote_effect()
    {
        // The first SEND fails as if RNR-NAKed past rnr_retry; the WRITE and the SEND behind it must not execute.
        var plan = FaultPlan.Of(new WcErrorFault(new QpSelector("client", 0), WrKind.Send, 1, WcStatus.RnrRetryExcErr));
        using var pair = ConnectedPair.Create(new SimOptions { Faults = plan });
        var c = pair.Client;
        var s = pair.Server;
        c.Bytes(0, RegionBytes).Fill(0xEE);
        ConnectedPair.Check(s.PostRecv(77, s.Sge(0, 64)), "server post_recv");
        ConnectedPair.Check(c.PostSend(WrOpcode.Send, 1, c.Sge(0, 16)), "post_send");
        ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, 2, c.Sge(0, RegionBytes), s.Buffer.Address + 8192, s.Mr.Rkey), "post_send");
        ConnectedPair.Check(c.PostSend(WrOpcode.Send, 3, c.Sge(0, 16)), "post_send");
        var (cl, _) = pair.PollUntil((cl, _) => cl.Count == 3, what: "three client completions");
        pair.RunIdle(50_000);

        Assert.Equal(new[] { WcStatus.RnrRetryExcErr, WcStatus.WrFlushErr, WcStatus.WrFlushErr }, cl.Select(w => w.Status));
        Assert.True(s.Bytes(8192, RegionBytes).ToArray().All(b => b == 0), "a WRITE the requester reported as flushed changed the responder's memory");
        Assert.True(s.PollAll().Count == 0, "a SEND the requester reported as flushed was received");
    }

    [Fact]
    public void Wrs_behind_a_local_protection_error_never_reach_the_responder()
    {
        using var pair = ConnectedPair.Create();
        var c = pair.Client;
        var s = pair.Server;
        ConnectedPair.Check(s.PostRecv(77, s.Sge(0, 64)), "server post_recv");
        var bad = c.Sge(0, 16);
        bad.Lkey ^= 0x5500;
        ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, 1, bad, s.Buffer.Address, s.Mr.Rkey), "post_send");
        c.Bytes(0, RegionBytes).Fill(0xEE);
        ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, 2, c.Sge(0, RegionBytes), s.Buffer.Address + 8192, s.Mr.Rkey), "post_send");
        ConnectedPair.Check(c.PostSend(WrOpcode.Send, 3, c.Sge(0, 16)), "post_send");
        var (cl, _) = pair.PollUntil((cl, _) => cl.Count == 3, what: "three client completions");
        pair.RunIdle(50_000);

        Assert.Equal(new[] { WcStatus.LocProtErr, WcStatus.WrFlushErr, WcStatus.WrFlushErr }, cl.Select(w => w.Status));
        Assert.True(s.Bytes(8192, RegionBytes).ToArray().All(b => b == 0), "a WRITE behind a LOC_PROT_ERR changed the responder's memory");
        Assert.True(s.PollAll().Count == 0, "a SEND behind a LOC_PROT_ERR was received");
    }

    /// <summary>
    /// Posts <paramref name="ops"/> (each WRITE to its own server region, each SEND into the next receive) with the
    /// <paramref name="lossAt"/>th WR losing <paramref name="drops"/> transmissions and the last <paramref name="lateRecvs"/>
    /// receives posted only later (so those SENDs are RNR-NAKed for a while); after every event, the set of effects visible at
    /// the server must be a prefix of the posting order.
    /// </summary>
    private static void CheckOrder(WrOpcode[] ops, int lossAt, int drops, int lateRecvs, ulong seed)
    {
        var kind = ops[lossAt] == WrOpcode.Send ? WrKind.Send : WrKind.RdmaWrite;
        var nth = ops.Take(lossAt + 1).Count(o => o == ops[lossAt]);
        var plan = FaultPlan.Of(new PacketDropFault(new QpSelector("client", 0), kind, nth, drops));
        using var pair = ConnectedPair.Create(new SimOptions { Seed = seed, Faults = plan, DefaultAckTimeoutExponent = 8 });
        var c = pair.Client;
        var s = pair.Server;
        var sends = ops.Count(o => o == WrOpcode.Send);
        for (var i = 0; i < sends - lateRecvs; i++)
        {
            ConnectedPair.Check(s.PostRecv((ulong)i, s.Sge(i * 64, 64)), "server post_recv");
        }

        for (var i = 0; i < ops.Length; i++)
        {
            c.Bytes(i * RegionBytes, RegionBytes).Fill((byte)(i + 1));
            var remote = s.Buffer.Address + 16384 + (ulong)(i * RegionBytes);
            ConnectedPair.Check(c.PostSend(ops[i], (ulong)i + 1, c.Sge(i * RegionBytes, ops[i] == WrOpcode.Send ? 64 : RegionBytes), remote, s.Mr.Rkey), "post_send");
        }

        var received = 0;
        var late = lateRecvs;
        var clientDone = 0;
        var quietSteps = 0;
        while (clientDone < ops.Length)
        {
            if (!pair.Fabric.World.Step())
            {
                Assert.Fail($"the world went quiet with {clientDone} of {ops.Length} client completions");
            }

            received += s.PollAll().Count(w => w.Status == WcStatus.Success);
            clientDone += c.PollAll().Count;

            // Post the late receives after a while, so the SENDs waiting for them are RNR-retried in between.
            if (late > 0 && ++quietSteps % 40 == 0)
            {
                var i = sends - late;
                ConnectedPair.Check(s.PostRecv((ulong)i, s.Sge(i * 64, 64)), "late server post_recv");
                late--;
            }

            var visible = new bool[ops.Length];
            var sendIndex = 0;
            for (var i = 0; i < ops.Length; i++)
            {
                visible[i] = ops[i] == WrOpcode.Send
                    ? sendIndex++ < received
                    : s.Bytes(16384 + (i * RegionBytes), RegionBytes).IndexOfAnyExcept((byte)(i + 1)) < 0;
            }

            var prefix = visible.TakeWhile(v => v).Count();
            Assert.True(visible.Skip(prefix).All(v => !v),
                $"at {pair.Fabric.World.NowNs} ns the server sees the effects of WRs [{string.Join(", ", visible.Select((v, i) => v ? (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : null).Where(x => x != null))}] " +
                $"of [{string.Join(" ", ops.Select(o => o.ToName()))}]: WR {prefix + 1} has not taken effect but a later one has");
        }
    }
}
