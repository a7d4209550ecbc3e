using Harness.HardwareRunner.Native;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;
using Harness.Tests.Properties.Support;

namespace Harness.Tests.Properties.Native;

/// <summary>
/// The native data path against <see cref="FakeProvider"/>: the backend calls the provider through the ops table the
/// way verbs.h's inline functions do, builds a correct linked <c>ibv_send_wr</c>/<c>ibv_recv_wr</c> chain from
/// preallocated arrays, maps <c>bad_wr</c> back to a span index, copies <c>ibv_wc</c> into the caller's span, and
/// allocates nothing on post or poll.
/// </summary>
public sealed unsafe class NativeDataPathTests
{
    [Fact]
    public void Post_send_hands_the_provider_a_linked_chain_with_every_field()
    {
        using var f = new FakeProvider();
        var wrs = new SendWorkRequest[3];
        wrs[0] = Wr(1, WrOpcode.Send, SendFlags.Signaled | SendFlags.Inline, 2);
        wrs[1] = Wr(2, WrOpcode.RdmaRead, SendFlags.Fence, 1);
        wrs[1].RemoteAddr = 0x7f00_1234_5000;
        wrs[1].Rkey = 0xabcd;
        wrs[2] = Wr(3, WrOpcode.SendWithInv, SendFlags.Signaled, 0);
        wrs[2].InvalidateRkeyOrImm = 0x5555;

        Assert.Equal(Errno.Ok, f.QpWrapper.PostSend(wrs, out var bad));
        Assert.Equal(-1, bad);
        Assert.Equal(1, f.Calls);
        Assert.Equal(3, f.Sends.Count);
        for (var i = 0; i < wrs.Length; i++)
        {
            AssertSame(wrs[i], f.Sends[i]);
        }
    }

    [Theory]
    [InlineData(Errno.ENOMEM, Errno.ENOMEM)]
    [InlineData(-Errno.ENOMEM, Errno.ENOMEM)] // rxe returns negative errnos: normalized
    [InlineData(Errno.EINVAL, Errno.EINVAL)]
    public void A_provider_refusal_returns_its_errno_and_the_index_of_bad_wr(int providerRc, int expected)
    {
        using var f = new FakeProvider();
        var wrs = Enumerable.Range(0, 5).Select(i => Wr((ulong)i, WrOpcode.Send, SendFlags.Signaled, 1)).ToArray();
        f.FailAtWr = 3;
        f.FailResult = providerRc;
        Assert.Equal(expected, f.QpWrapper.PostSend(wrs, out var bad));
        Assert.Equal(3, bad);
        Assert.Equal(new ulong[] { 0, 1, 2 }, f.Sends.Select(s => s.WrId));
    }

    [Fact]
    public void A_wr_with_more_sges_than_the_qp_takes_is_einval_where_it_stands()
    {
        using var f = new FakeProvider(maxSendSge: 2);
        var wrs = new[] { Wr(10, WrOpcode.Send, 0, 2), Wr(11, WrOpcode.Send, 0, 3), Wr(12, WrOpcode.Send, 0, 1) };
        Assert.Equal(Errno.EINVAL, f.QpWrapper.PostSend(wrs, out var bad));
        Assert.Equal(1, bad);
        Assert.Equal(new ulong[] { 10 }, f.Sends.Select(s => s.WrId)); // the WRs before it were posted, as a provider would
    }

    [Fact]
    public void Chains_longer_than_the_native_array_go_in_order_and_bad_wr_is_an_index_into_the_whole_span()
    {
        using var f = new FakeProvider();
        var wrs = Enumerable.Range(0, 150).Select(i => Wr((ulong)i, WrOpcode.RdmaWrite, 0, 1)).ToArray();
        Assert.Equal(Errno.Ok, f.QpWrapper.PostSend(wrs, out _));
        Assert.Equal(Enumerable.Range(0, 150).Select(i => (ulong)i), f.Sends.Select(s => s.WrId));
        Assert.Equal((150 + NativeSendChain.ChainMax - 1) / NativeSendChain.ChainMax, f.Calls);

        f.Sends.Clear();
        f.FailAtWr = f.SentCount + 100;
        Assert.Equal(Errno.ENOMEM, f.QpWrapper.PostSend(wrs, out var bad));
        Assert.Equal(100, bad);
        Assert.Equal(100, f.Sends.Count);
    }

    [Fact]
    public void Receives_go_through_post_recv_or_post_srq_recv()
    {
        using var plain = new FakeProvider();
        var recvs = new[] { Recv(7, 1), Recv(8, 2) };
        Assert.Equal(Errno.Ok, plain.QpWrapper.PostRecv(recvs, out var bad));
        Assert.Equal(-1, bad);
        Assert.Equal(new[] { ("qp", 7UL), ("qp", 8UL) }, plain.Recvs.Select(r => (r.Queue, r.Wr.WrId)));
        Assert.Equal(recvs[1].SgList[1], plain.Recvs[1].Wr.SgList[1]);

        using var shared = new FakeProvider(srq: true);
        Assert.Equal(Errno.EINVAL, shared.QpWrapper.PostRecv(recvs, out bad)); // an SRQ-attached QP has no receive queue
        Assert.Equal(0, bad);
        Assert.Equal(Errno.Ok, shared.SrqWrapper!.PostRecv(recvs, out bad));
        Assert.Equal(new[] { ("srq", 7UL), ("srq", 8UL) }, shared.Recvs.Select(r => (r.Queue, r.Wr.WrId)));
    }

    [Fact]
    public void Poll_copies_every_field_and_fetches_in_batches()
    {
        using var f = new FakeProvider();
        for (var i = 0; i < 100; i++)
        {
            f.Completions.Enqueue(new IbvWc
            {
                WrId = (ulong)i,
                Status = i % 2 == 0 ? (int)WcStatus.Success : (int)WcStatus.WrFlushErr,
                Opcode = (int)WcOpcode.RecvRdmaWithImm,
                VendorErr = 0x32,
                ByteLen = (uint)(i * 10),
                ImmData = 0xfeed,
                QpNum = FakeProvider.QpNum,
                SrcQp = 0x99,
                WcFlags = (uint)WcFlags.WithImm,
            });
        }

        var wcs = new WorkCompletion[10];
        Assert.Equal(10, f.CqWrapper.Poll(wcs));
        Assert.Equal(new WorkCompletion
        {
            WrId = 1,
            Status = WcStatus.WrFlushErr,
            Opcode = WcOpcode.RecvRdmaWithImm,
            VendorErr = 0x32,
            ByteLen = 10,
            ImmDataOrInvalidatedRkey = 0xfeed,
            QpNum = FakeProvider.QpNum,
            SrcQp = 0x99,
            WcFlags = WcFlags.WithImm,
        }, wcs[1]);

        var big = new WorkCompletion[500];
        Assert.Equal(90, f.CqWrapper.Poll(big));
        Assert.Equal(Enumerable.Range(10, 90).Select(i => (ulong)i), big.Take(90).Select(w => w.WrId));
        Assert.Equal(0, f.CqWrapper.Poll(big));
        Assert.Equal(0, f.CqWrapper.Poll(Span<WorkCompletion>.Empty));
    }

    [Fact]
    public void A_failing_poll_cq_is_a_negative_errno_and_notify_goes_through_the_ops_table()
    {
        using var f = new FakeProvider();
        f.PollFailure = -1;
        Assert.Equal(-Errno.EIO, f.CqWrapper.Poll(new WorkCompletion[4]));
        Assert.Equal(Errno.Ok, f.CqWrapper.RequestNotify(solicitedOnly: true));
        Assert.Equal(1, f.LastNotifySolicited);
        Assert.Equal(Errno.EINVAL, f.CqWrapper.TryGetCompletionEvent()); // no completion channel on this CQ
    }

    [Fact]
    public void Post_and_poll_do_not_allocate()
    {
        using var f = new FakeProvider();
        f.Record = false;
        f.EndlessCompletions = true;
        var wrs = new[] { Wr(1, WrOpcode.Send, SendFlags.Signaled, 2), Wr(2, WrOpcode.RdmaRead, SendFlags.Signaled, 4) };
        var recvs = new[] { Recv(3, 1) };
        var wcs = new WorkCompletion[32];
        Run(f, wrs, recvs, wcs, 100); // warm up (JIT, tiering)
        var allocated = AllocationMeter.Least(() => Run(f, wrs, recvs, wcs, 10_000));
        Assert.True(allocated == 0, $"post/poll allocated {allocated} bytes over 10,000 rounds (the least of {AllocationMeter.AttemptsMax} runs)");
    }

    [Fact]
    public void Users_keep_their_objects_busy_and_a_destroyed_qp_refuses_posts()
    {
        using var f = new FakeProvider(srq: true);
        Assert.Equal(Errno.EBUSY, f.CqWrapper.Destroy());
        Assert.Equal(Errno.EBUSY, f.SrqWrapper!.Destroy());
        Assert.Equal(Errno.EBUSY, f.PdWrapper.Dealloc());

        Assert.Equal(Errno.Ok, f.QpWrapper.Destroy());
        Assert.Equal(Errno.EINVAL, f.QpWrapper.Destroy());
        Assert.Equal(Errno.EINVAL, f.QpWrapper.PostSend(new[] { Wr(1, WrOpcode.Send, 0, 1) }, out var bad));
        Assert.Equal(0, bad);
        Assert.Empty(f.Sends);

        Assert.Equal(Errno.Ok, f.SrqWrapper.Destroy());
        Assert.Equal(Errno.Ok, f.CqWrapper.Destroy());
        Assert.Equal(-Errno.EINVAL, f.CqWrapper.Poll(new WorkCompletion[1]));
        Assert.Equal(Errno.Ok, f.PdWrapper.Dealloc());
        Assert.Equal(Errno.Ok, f.ContextWrapper.Close());
    }

    [Fact]
    public void A_blocking_async_fd_is_reported_instead_of_read()
    {
        using var f = new FakeProvider(); // its async_fd is -1, so making it non-blocking failed (EBADF)
        Assert.Equal(9, f.ContextWrapper.AsyncFdErrno);
        Assert.Equal(9, f.ContextWrapper.GetAsyncEvent(out _));
    }

    /// <summary>The element each async event carries, as ibv_get_async_event(3) lists them.</summary>
    [Fact]
    public void Async_event_elements_follow_the_man_page()
    {
        var qp = new[] { AsyncEventType.QpFatal, AsyncEventType.QpReqErr, AsyncEventType.QpAccessErr, AsyncEventType.CommEst, AsyncEventType.SqDrained, AsyncEventType.PathMig, AsyncEventType.PathMigErr, AsyncEventType.QpLastWqeReached };
        var port = new[] { AsyncEventType.PortActive, AsyncEventType.PortErr, AsyncEventType.LidChange, AsyncEventType.PkeyChange, AsyncEventType.SmChange, AsyncEventType.ClientReregister, AsyncEventType.GidChange };
        foreach (var e in Enum.GetValues<AsyncEventType>())
        {
            var expected = qp.Contains(e) ? "Qp" : port.Contains(e) ? "Port" : e switch
            {
                AsyncEventType.CqErr => "Cq",
                AsyncEventType.SrqErr or AsyncEventType.SrqLimitReached => "Srq",
                AsyncEventType.WqFatal => "Wq",
                _ => "Device",
            };
            Assert.Equal(expected, NativeContext.ElementOf(e).ToString());
        }
    }

    private static void Run(FakeProvider f, SendWorkRequest[] wrs, RecvWorkRequest[] recvs, WorkCompletion[] wcs, int rounds)
    {
        for (var i = 0; i < rounds; i++)
        {
            f.QpWrapper.PostSend(wrs, out _);
            f.QpWrapper.PostRecv(recvs, out _);
            f.CqWrapper.Poll(wcs);
        }
    }

    private static SendWorkRequest Wr(ulong id, WrOpcode op, SendFlags flags, int sges)
    {
        var wr = new SendWorkRequest { WrId = id, Opcode = op, Flags = flags, NumSge = sges };
        for (var j = 0; j < sges; j++)
        {
            wr.SgList[j] = new Sge(0x7f00_0000_0000UL + (id * 0x1000) + ((ulong)j * 64), (uint)(64 + j), 0x100 + (uint)j);
        }

        return wr;
    }

    private static RecvWorkRequest Recv(ulong id, int sges)
    {
        var wr = new RecvWorkRequest { WrId = id, NumSge = sges };
        for (var j = 0; j < sges; j++)
        {
            wr.SgList[j] = new Sge(0x6000_0000UL + (id * 0x1000) + ((ulong)j * 128), 128, 0x200 + (uint)j);
        }

        return wr;
    }

    private static void AssertSame(SendWorkRequest expected, SendWorkRequest actual)
    {
        Assert.Equal((expected.WrId, expected.Opcode, expected.Flags, expected.NumSge, expected.RemoteAddr, expected.Rkey, expected.InvalidateRkeyOrImm),
            (actual.WrId, actual.Opcode, actual.Flags, actual.NumSge, actual.RemoteAddr, actual.Rkey, actual.InvalidateRkeyOrImm));
        for (var j = 0; j < expected.NumSge; j++)
        {
            Assert.Equal(expected.SgList[j], actual.SgList[j]);
        }
    }
}
