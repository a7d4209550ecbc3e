using Harness.Sim.Contract;
using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>
/// Goal: the simulated NIC frees work-queue slots when the consumer polls the completion, as rdma-core's mlx5 provider
/// does (it advances the queue's tail inside ibv_poll_cq), not when the NIC writes the completion. A consumer that
/// counts a WR as gone when it merely finished, and reposts before polling, would get ENOMEM on hardware; here it is
/// the named verbs-contract violation post-beyond-caps, which stops the run at the post.
/// </summary>
public sealed class SlotReleaseAtPollTests
{
    [Fact]
    public void A_finished_send_keeps_its_slot_until_its_completion_is_polled()
    {
        using var pair = ConnectedPair.Create(sendWr: 2);
        var c = pair.Client;
        var s = pair.Server;
        for (ulong id = 1; id <= 2; id++)
        {
            ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, id, c.Sge(0, 64), s.Buffer.Address, s.Mr.Rkey), "post_send");
        }

        pair.RunUntil(() => ((Harness.Sim.Nic.SimCq)c.Cq).Count == 2, what: "both WRITEs completed (not polled)");
        ContractAssert.Violates(VerbsContract.PostBeyondCaps, () => c.PostSend(WrOpcode.RdmaWrite, 3, c.Sge(0, 64), s.Buffer.Address, s.Mr.Rkey));

        Span<WorkCompletion> one = stackalloc WorkCompletion[1];
        Assert.Equal(1, c.Cq.Poll(one));
        ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, 3, c.Sge(0, 64), s.Buffer.Address, s.Mr.Rkey), "post_send after polling one completion");
        ContractAssert.Violates(VerbsContract.PostBeyondCaps, () => c.PostSend(WrOpcode.RdmaWrite, 4, c.Sge(0, 64), s.Buffer.Address, s.Mr.Rkey));
    }

    [Fact]
    public void Unsignaled_sends_are_freed_only_by_a_later_signaled_completion()
    {
        using var pair = ConnectedPair.Create(sendWr: 3);
        var c = pair.Client;
        var s = pair.Server;
        ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, 1, c.Sge(0, 64), s.Buffer.Address, s.Mr.Rkey, SendFlags.None), "post_send unsignaled");
        ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, 2, c.Sge(0, 64), s.Buffer.Address, s.Mr.Rkey, SendFlags.None), "post_send unsignaled");
        pair.RunIdle(1_000_000);
        Assert.Equal(2, c.Qp.SendSlotsInUse); // finished, but no completion was polled: the slots stay taken
        Assert.Empty(c.PollAll());

        ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, 3, c.Sge(0, 64), s.Buffer.Address, s.Mr.Rkey), "post_send signaled");
        ContractAssert.Violates(VerbsContract.PostBeyondCaps, () => c.PostSend(WrOpcode.RdmaWrite, 4, c.Sge(0, 64), s.Buffer.Address, s.Mr.Rkey));
        var wcs = pair.PollUntil((cl, _) => cl.Count == 1, what: "the signaled WRITE").Client;
        Assert.Equal(3UL, wcs[0].WrId);
        Assert.Equal(0, c.Qp.SendSlotsInUse);
    }

    [Fact]
    public void A_consumed_receive_keeps_its_slot_until_its_completion_is_polled()
    {
        using var pair = ConnectedPair.Create(recvWr: 1);
        var c = pair.Client;
        var s = pair.Server;
        ConnectedPair.Check(s.PostRecv(10, s.Sge(0, 256)), "post_recv");
        ConnectedPair.Check(c.PostSend(WrOpcode.Send, 1, c.Sge(0, 64)), "post_send");
        pair.RunUntil(() => ((Harness.Sim.Nic.SimCq)s.Cq).Count == 1, what: "the server's receive completed (not polled)");
        Assert.Equal(0, s.Qp.OutstandingRecvs);
        ContractAssert.Violates(VerbsContract.PostBeyondCaps, () => s.PostRecv(11, s.Sge(256, 256)));

        Assert.Single(s.PollAll());
        ConnectedPair.Check(s.PostRecv(11, s.Sge(256, 256)), "post_recv after polling");
    }

    [Fact]
    public void A_consumed_srq_receive_keeps_its_slot_until_its_completion_is_polled()
    {
        using var pair = ConnectedPair.Create(recvWr: 1, serverSrq: true);
        var c = pair.Client;
        var s = pair.Server;
        ConnectedPair.Check(s.PostRecv(10, s.Sge(0, 256)), "post_srq_recv");
        ConnectedPair.Check(c.PostSend(WrOpcode.Send, 1, c.Sge(0, 64)), "post_send");
        pair.RunUntil(() => ((Harness.Sim.Nic.SimCq)s.Cq).Count == 1, what: "the server's SRQ receive completed (not polled)");
        ContractAssert.Violates(VerbsContract.PostBeyondCaps, () => s.PostRecv(11, s.Sge(256, 256)));

        Assert.Single(s.PollAll());
        ConnectedPair.Check(s.PostRecv(11, s.Sge(256, 256)), "post_srq_recv after polling");
    }
}
