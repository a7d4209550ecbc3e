using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>The basic data path over a CM-established connection: SEND/RECV, RDMA WRITE and READ move the right bytes.</summary>
public sealed class SmokeTests
{
    [Fact]
    public void Send_write_and_read_move_exactly_the_posted_bytes()
    {
        using var pair = ConnectedPair.Create();
        var c = pair.Client;
        var s = pair.Server;
        c.Bytes(0, 4).Fill(0xAB);
        ConnectedPair.Check(s.PostRecv(1, s.Sge(0, 128)), "post_recv");
        ConnectedPair.Check(c.PostSend(WrOpcode.Send, 2, c.Sge(0, 4)), "post_send");
        c.Bytes(100, 8).Fill(0xCD);
        ConnectedPair.Check(c.PostSend(WrOpcode.RdmaWrite, 3, c.Sge(100, 8), s.Buffer.Address + 1000, s.Mr.Rkey), "write");
        s.Bytes(2000, 16).Fill(0xEF);
        ConnectedPair.Check(c.PostSend(WrOpcode.RdmaRead, 4, c.Sge(3000, 16), s.Buffer.Address + 2000, s.Mr.Rkey), "read");

        var clientWcs = new List<WorkCompletion>();
        var serverWcs = new List<WorkCompletion>();
        pair.RunUntil(() => { clientWcs.AddRange(c.PollAll()); serverWcs.AddRange(s.PollAll()); return clientWcs.Count == 3 && serverWcs.Count == 1; });

        Assert.Equal(new ulong[] { 2, 3, 4 }, clientWcs.Select(w => w.WrId));
        Assert.All(clientWcs, w => Assert.Equal(WcStatus.Success, w.Status));
        Assert.Equal(WcStatus.Success, serverWcs[0].Status);
        Assert.Equal(4u, serverWcs[0].ByteLen);
        Assert.Equal(WcOpcode.Recv, serverWcs[0].Opcode);
        Assert.True(s.Bytes(0, 4).ToArray().All(b => b == 0xAB));
        Assert.True(s.Bytes(1000, 8).ToArray().All(b => b == 0xCD));
        Assert.Equal(0, s.Bytes(1008, 1)[0]);
        Assert.True(c.Bytes(3000, 16).ToArray().All(b => b == 0xEF));
    }
}
