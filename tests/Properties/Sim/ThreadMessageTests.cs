using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Transport.Invariants;
using Harness.Transport.Threading;

namespace Harness.Tests.Properties.Sim;

/// <summary>
/// SPDK thread messages (lib/thread/thread.c: spdk_thread_send_msg, msg_queue_run_batch, thread_poll): FIFO, at most
/// eight per round, before the pollers, a message sent during a batch waits for the next round, a parked simulated
/// reactor is woken at once, and an overflowing ring is reported.
/// </summary>
public sealed class ThreadMessageTests
{
    private static readonly ThreadMessageFn Append = static ctx => ((Log)ctx!).Add("msg");

    [Fact]
    public void A_batch_runs_at_most_eight_messages_in_the_order_they_were_sent()
    {
        var queue = new ThreadMessageQueue("t");
        var ran = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            queue.Send(static ctx => ((Action)ctx!)(), (Action)(() => ran.Add(ran.Count)));
        }

        Assert.Equal(ThreadMessageQueue.MessagesPerPollMax, queue.RunBatch());
        Assert.Equal(Enumerable.Range(0, 8), ran);
        Assert.Equal(8, queue.RunBatch());
        Assert.Equal(4, queue.RunBatch());
        Assert.Equal(0, queue.RunBatch());
        Assert.Equal(Enumerable.Range(0, 20), ran);
    }

    [Fact]
    public void A_message_sent_while_a_batch_runs_waits_for_the_next_round()
    {
        var queue = new ThreadMessageQueue("t");
        var log = new Log();
        queue.Send(ctx => { log.Add("first"); queue.Send(Append, log); }, null);
        Assert.Equal(1, queue.RunBatch());
        Assert.Equal(["first"], log.Lines);
        Assert.Equal(1, queue.RunBatch());
        Assert.Equal(["first", "msg"], log.Lines);
    }

    [Fact]
    public void A_full_ring_is_reported_as_spdk_aborts()
    {
        var queue = new ThreadMessageQueue("t");
        for (var i = 0; i < ThreadMessageQueue.MessagesMax; i++)
        {
            queue.Send(Append, null);
        }

        var e = Assert.Throws<InvariantViolationException>(() => queue.Send(Append, null));
        Assert.Equal(InvariantNames.QueueIntegrity, e.Invariant);
    }

    [Fact]
    public void A_parked_simulated_reactor_runs_a_message_at_once_and_before_its_pollers()
    {
        using var fabric = new SimFabric(new SimOptions { Seed = 1 });
        var log = new Log();
        var reactor = fabric.Reactors.CreateReactor("r");
        reactor.AddPoller(new LogPoller(log));
        fabric.World.Run(untilNs: 10_000);
        Assert.True(fabric.World.NextEventTimeNs >= 1_000_000, "idle: parked until its idle wake-up");
        log.Lines.Clear();
        var sentAt = fabric.World.NowNs;
        reactor.SendMessage(static ctx => ((Log)ctx!).Add("msg"), log);
        Assert.Equal(sentAt, fabric.World.NextEventTimeNs);
        fabric.World.Step();
        Assert.Equal(["msg", "poll"], log.Lines);
        Assert.Equal(sentAt, fabric.World.NowNs);
    }

    private sealed class Log
    {
        public List<string> Lines { get; } = new();

        public void Add(string line) => Lines.Add(line);
    }

    private sealed class LogPoller(Log log) : IPoller
    {
        public string Name => "log";

        public int Poll()
        {
            log.Add("poll");
            return 0;
        }
    }
}
