using FsCheck;
using FsCheck.Fluent;
using Harness.Tests.Properties.Support;
using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// Goal: the target's data buffers behave as SPDK HEAD's iobuf (transport.c nvmf_request_get_buffers and its
/// callback, iobuf.c get/put/abort): a request keeps the buffers it got and waits for the rest in its poll group's
/// channel, a put hands a buffer straight to the first waiter, an aborted or failed waiter gives back what it got, and
/// buffer-conservation (free + held by requests + held by other iobuf users = each pool's count) holds after every step.
/// Each check is shown to fail on a mutation of the state it watches; docs/findings/016 (waiters served only by their
/// own channel's puts) is shown with its defect switch.
/// </summary>
public sealed class IobufTests
{
    private const int Block = 4096;

    public enum Kind
    {
        SmallWrite,
        BigWrite,
        LargeWrite,
        Read,
        Withhold,
        GiveBack,
        QpError,
        Run,
    }

    [HarnessProperty(MaxTest = 40)]
    public Property Conservation_holds_through_exhaustion_with_mixed_sizes_errors_and_other_users()
    {
        var op = from kind in Gen.Elements(Kind.SmallWrite, Kind.SmallWrite, Kind.BigWrite, Kind.LargeWrite, Kind.Read, Kind.Withhold, Kind.GiveBack, Kind.QpError, Kind.Run, Kind.Run)
                 from host in Gen.Choose(0, 1)
                 from n in Gen.Choose(1, 60)
                 select (Kind: kind, Host: host, N: n);
        var ops = Gen.Choose(1, 30).SelectMany(n => Gen.ArrayOf(op, n));
        return Prop.ForAll(Arb.From(ops), Run);
    }

    [Fact]
    public void Waiter_of_one_poll_group_is_served_when_the_buffers_come_back_through_another()
    {
        Assert.True(OtherChannelWaiterAnswered(KnownDefects.None));
    }

    [Fact]
    public void Waiter_of_one_poll_group_waits_for_ever_with_the_pool_full_as_in_spdk_head()
    {
        // docs/findings/016: with HEAD's behaviour the write of group 1 is never answered, every buffer back in the pool.
        Assert.False(OtherChannelWaiterAnswered(KnownDefects.IobufWaiterOtherChannel));
    }

    [Fact]
    public void Conservation_check_fails_when_a_waiters_partial_buffers_are_dropped()
    {
        using var bed = PartialWaiter(out var waiter);
        Assert.Equal(2, waiter.BufferCount);
        waiter.BufferCount = 0; // mutation: an abort or error path that forgets the buffers the waiter already got
        var e = Assert.Throws<InvariantViolationException>(() => TargetInvariants.CheckIobuf(bed.Transport));
        Assert.Equal(InvariantNames.BufferConservation, e.Invariant);
    }

    [Fact]
    public void Put_of_a_buffer_already_free_is_refused()
    {
        using var bed = PartialWaiter(out _);
        var pool = bed.Transport.Buffers!.Small;
        var free = Enumerable.Range(0, pool.Count).First(i => pool.InUse(i) && bed.Transport.Qpairs[0].Resources!.Reqs.All(r => !r.Buffers.AsSpan(0, r.BufferCount).Contains(i)));
        pool.GiveBack(free); // the other user gives it back: free in the pool
        var e = Assert.Throws<InvariantViolationException>(() => bed.Transport.PollGroups[0].Iobuf.Put(free, Block));
        Assert.Equal(InvariantNames.BufferConservation, e.Invariant);
    }

    [Fact]
    public void Waiter_check_fails_when_a_request_waits_in_pending_iobuf_queue_but_not_in_its_channel()
    {
        using var bed = PartialWaiter(out var waiter);
        var channel = bed.Transport.PollGroups[0].Iobuf;
        Assert.True(channel.Abort(waiter, Block)); // mutation: the entry goes, the request stays in pending_iobuf_queue
        var e = Assert.Throws<InvariantViolationException>(() => TargetInvariants.CheckQpair(waiter.Qpair!));
        Assert.Equal(InvariantNames.QueueStateConsistent, e.Invariant);
    }

    [Fact]
    public void Qpair_error_gives_back_the_buffers_a_waiter_already_got()
    {
        using var bed = PartialWaiter(out var waiter);
        var qpair = waiter.Qpair!;
        bed.ForceQpError(qpair);
        bed.RunUntil(() => qpair.Destroyed, "the qpair destroyed");
        var pool = bed.Transport.Buffers!.Small;
        Assert.Equal(pool.Count - pool.Withheld, pool.Available); // poll_group_remove aborted the entry; its free put the 2 back
    }

    /// <summary>A 16 KiB write that got 2 of its 4 buffers (the other 2 held by another iobuf user) and waits.</summary>
    private static TargetBed PartialWaiter(out RdmaRequest waiter)
    {
        var bed = new TargetBed(new TargetOptions { NumSharedBuffers = 4, IoUnitSize = Block, MaxIoSize = 4 * Block });
        var host = bed.AddHost("host", 4);
        bed.Connect(host, qid: 1);
        var pool = bed.Transport.Buffers!.Small;
        pool.Withhold();
        pool.Withhold();
        Assert.Equal(0, host.Submit(Write(host, 1, 4)));
        bed.RunUntil(() => bed.Transport.PollGroups[0].Iobuf.SmallQueue.First != null, "the write waiting for buffers");
        waiter = bed.Transport.PollGroups[0].Iobuf.SmallQueue.First!;
        return bed;
    }

    /// <summary>
    /// Two poll groups: a 4-block write on group 0's qpair takes every buffer; a 1-block write on group 1's qpair then
    /// waits in group 1's channel. Group 0's free puts them back through group 0's channel, which has no waiter.
    /// </summary>
    private static bool OtherChannelWaiterAnswered(KnownDefects defects)
    {
        using var bed = new TargetBed(new TargetOptions { NumSharedBuffers = 4, IoUnitSize = Block, MaxIoSize = 4 * Block, Defects = defects }, pollGroups: 2);
        var a = bed.AddHost("a", 4);
        bed.Connect(a, qid: 1);
        var b = bed.AddHost("b", 4);
        bed.Connect(b, qid: 1);
        var groups = bed.Transport.Qpairs.Where(q => !q.Destroyed && q.Qid == 1).Select(q => q.Group!.Index).ToArray();
        Assert.Equal(new[] { groups[0], 1 - groups[0] }, groups); // one qpair on each group
        var pool = bed.Transport.Buffers!.Small;

        Assert.Equal(0, a.Submit(Write(a, 1, 4)));
        bed.RunUntil(() => pool.Available == 0, "the first write holding every buffer");
        Assert.Equal(0, b.Submit(Write(b, 2, 1)));
        bed.RunUntil(() => bed.Transport.PollGroups.Any(g => g.Iobuf.SmallQueue.First != null) || b.Responses.ContainsKey(2), "the second write waiting");
        bed.RunUntil(() => { a.PollCq(); return a.Responses.ContainsKey(1); }, "the first write answered");
        bed.RunFor(100_000_000);
        b.PollCq();
        Assert.True(a.Responses[1].Status.IsSuccess);
        return b.Responses.ContainsKey(2);
    }

    private static bool Run((Kind Kind, int Host, int N)[] ops)
    {
        var options = new TargetOptions
        {
            NumSharedBuffers = 8,
            IoUnitSize = Block,
            MaxIoSize = 8 * Block,
            LargePoolCount = 2,
            LargeBufsize = 8 * Block,
            DataWrPoolSize = 15,
        };
        using var bed = new TargetBed(options, pollGroups: 2);
        var hosts = new[] { bed.AddHost("a", 8), bed.AddHost("b", 8) };
        foreach (var h in hosts)
        {
            bed.Connect(h, qid: 1);
        }

        var withheld = new Stack<(BufferPool Pool, int Buffer)>();
        ushort cid = 1;
        foreach (var (kind, hostIndex, n) in ops)
        {
            var host = hosts[hostIndex];
            var blocks = kind switch { Kind.SmallWrite => 1, Kind.BigWrite => 1 + (n % 8), Kind.LargeWrite => 2 + (n % 7), _ => 1 + (n % 8) };
            switch (kind)
            {
                case Kind.SmallWrite or Kind.BigWrite or Kind.LargeWrite:
                    host.Submit(Write(host, cid, blocks));
                    break;
                case Kind.Read:
                    host.Submit(new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = cid, Nsid = 1, Nlb = (ushort)(blocks - 1), Dptr = host.Keyed(cid % host.Depth, (uint)(blocks * Block)) }.ToCommand());
                    break;
                case Kind.Withhold:
                    var pool = n % 3 == 0 && bed.Transport.Buffers!.Large is { } large ? large : bed.Transport.Buffers!.Small;
                    if (pool.Withhold() is var b and >= 0)
                    {
                        withheld.Push((pool, b));
                    }

                    break;
                case Kind.GiveBack when withheld.Count > 0:
                    var (from, buffer) = withheld.Pop();
                    from.GiveBack(buffer); // another iobuf user's put: to the pool, never to this transport's waiters
                    break;
                case Kind.QpError:
                    var live = bed.Transport.Qpairs.Where(q => !q.Destroyed && !q.DisconnectStarted && q.Qp != null).ToArray();
                    if (live.Length > 0)
                    {
                        bed.ForceQpError(live[hostIndex % live.Length]);
                    }

                    break;
            }

            cid = (ushort)((cid % 200) + 1);
            bed.RunEvents(kind == Kind.Run ? n * 4 : n % 7);
            foreach (var h in hosts)
            {
                h.PollCq();
            }
        }

        while (withheld.Count > 0)
        {
            var (pool, buffer) = withheld.Pop();
            pool.GiveBack(buffer);
        }

        foreach (var qpair in bed.Transport.Qpairs.Where(q => !q.Destroyed && !q.DisconnectStarted && q.Qp != null).ToArray())
        {
            bed.ForceQpError(qpair);
        }

        bed.RunUntil(() => bed.Transport.Qpairs.All(q => q.Destroyed), "every qpair destroyed");
        var iobuf = bed.Transport.Buffers!;
        return iobuf.Available == iobuf.Count;
    }

    private static NvmeCommand Write(RawHost host, ushort cid, int blocks) =>
        new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = cid, Nsid = 1, Slba = (ulong)(cid * 8), Nlb = (ushort)(blocks - 1), Dptr = host.Keyed(cid % host.Depth, (uint)(blocks * Block)) }.ToCommand();
}
