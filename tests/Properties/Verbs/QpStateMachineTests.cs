using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Sim.Nic;
using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>
/// ibv_modify_qp on an RC QP follows the kernel's <c>ib_modify_qp_is_ok</c>: legal transitions with their required
/// attributes succeed, everything else is EINVAL and leaves the QP where it was. The oracle below is written from the
/// kernel's <c>qp_state_table</c> (drivers/infiniband/core/verbs.c, RC column), independently of the simulator's table.
/// </summary>
public sealed class QpStateMachineTests
{
    private const QpAttrMask AllBits = (QpAttrMask)((1 << 21) - 1);

    /// <summary>States a QP can be driven into by ibv_modify_qp alone (SQE is never entered by an RC QP).</summary>
    private static readonly QpState[] Reachable = { QpState.Reset, QpState.Init, QpState.Rtr, QpState.Rts, QpState.Sqd, QpState.Err };

    /// <summary>The kernel's RC transition table: (from, to) → (required, optional) attributes.</summary>
    private static readonly Dictionary<(QpState From, QpState To), (QpAttrMask Req, QpAttrMask Opt)> KernelRc = BuildKernelRcTable();

    [Fact]
    public void Every_legal_transition_with_exactly_its_required_mask_succeeds()
    {
        using var bench = new LoneQpBench();
        foreach (var ((from, to), (req, _)) in KernelRc)
        {
            if (!Reachable.Contains(from))
            {
                continue;
            }

            var qp = bench.NewQpIn(from);
            var rc = qp.Modify(LoneQpBench.ValidAttr(to, from), QpAttrMask.State | req);
            Assert.True(rc == Errno.Ok, $"{from.ToName()} -> {to.ToName()} with required mask {req}: {Errno.Name(rc)}");
            Assert.True(qp.State == to, $"QP after {from.ToName()} -> {to.ToName()} is {qp.State.ToName()}");
            qp.Destroy();
        }
    }

    [Theory]
    [InlineData(QpState.Reset, QpState.Rts)]
    [InlineData(QpState.Reset, QpState.Rtr)]
    [InlineData(QpState.Reset, QpState.Sqd)]
    [InlineData(QpState.Init, QpState.Rts)]
    [InlineData(QpState.Init, QpState.Sqd)]
    [InlineData(QpState.Rtr, QpState.Init)]
    [InlineData(QpState.Rtr, QpState.Rtr)]
    [InlineData(QpState.Rts, QpState.Rtr)]
    [InlineData(QpState.Rts, QpState.Init)]
    [InlineData(QpState.Sqd, QpState.Init)]
    [InlineData(QpState.Err, QpState.Rts)]
    [InlineData(QpState.Err, QpState.Init)]
    [InlineData(QpState.Err, QpState.Rtr)]
    [InlineData(QpState.Rts, QpState.Sqe)]
    public void Illegal_transition_is_einval_and_leaves_the_state(QpState from, QpState to)
    {
        using var bench = new LoneQpBench();
        var qp = bench.NewQpIn(from);

        // Whatever the attributes: try every bring-up mask and all attributes at once.
        foreach (var mask in new[] { QpAttrMask.State, LoneQpBench.BringUpMask(to), LoneQpBench.BringUpMask(QpState.Rtr) | LoneQpBench.BringUpMask(QpState.Rts) })
        {
            var rc = qp.Modify(LoneQpBench.ValidAttr(to, from), mask);
            Assert.True(rc == Errno.EINVAL, $"{from.ToName()} -> {to.ToName()} (mask {mask}) returned {Errno.Name(rc)}, expected EINVAL");
            Assert.True(qp.State == from, $"QP moved to {qp.State.ToName()} on a rejected {from.ToName()} -> {to.ToName()}");
        }
    }

    [Theory]
    [InlineData(QpState.Reset)]
    [InlineData(QpState.Init)]
    [InlineData(QpState.Rtr)]
    [InlineData(QpState.Rts)]
    [InlineData(QpState.Sqd)]
    [InlineData(QpState.Err)]
    public void Any_state_goes_to_reset_and_any_but_reset_to_err(QpState from)
    {
        using var bench = new LoneQpBench();
        var toReset = bench.NewQpIn(from);
        Assert.True(toReset.Modify(LoneQpBench.ValidAttr(QpState.Reset, from), QpAttrMask.State) == Errno.Ok, $"{from.ToName()} -> RESET");
        Assert.True(toReset.State == QpState.Reset, $"QP is {toReset.State.ToName()} after {from.ToName()} -> RESET");

        var toErr = bench.NewQpIn(from);
        var rc = toErr.Modify(LoneQpBench.ValidAttr(QpState.Err, from), QpAttrMask.State);

        // The kernel's qp_state_table has no RESET -> ERR entry: ibv_modify_qp returns EINVAL for it.
        var expected = from == QpState.Reset ? Errno.EINVAL : Errno.Ok;
        Assert.True(rc == expected, $"{from.ToName()} -> ERR returned {Errno.Name(rc)}, expected {Errno.Name(expected)}");
        Assert.True(toErr.State == (from == QpState.Reset ? QpState.Reset : QpState.Err), $"QP is {toErr.State.ToName()} after {from.ToName()} -> ERR");

        // RESET and ERR take no attribute but the state.
        var third = bench.NewQpIn(from);
        rc = third.Modify(LoneQpBench.ValidAttr(QpState.Reset, from), QpAttrMask.State | QpAttrMask.Timeout);
        Assert.True(rc == Errno.EINVAL, $"{from.ToName()} -> RESET with TIMEOUT returned {Errno.Name(rc)}");
    }

    [Theory]
    [InlineData(QpState.Init)]
    [InlineData(QpState.Rtr)]
    [InlineData(QpState.Rts)]
    public void Missing_required_attribute_is_einval(QpState to)
    {
        var from = to - 1;
        var (req, _) = KernelRc[(from, to)];
        using var bench = new LoneQpBench();
        foreach (var bit in Bits(req))
        {
            var qp = bench.NewQpIn(from);
            var rc = qp.Modify(LoneQpBench.ValidAttr(to, from), (QpAttrMask.State | req) & ~bit);
            Assert.True(rc == Errno.EINVAL, $"{from.ToName()} -> {to.ToName()} without {bit} returned {Errno.Name(rc)}");
            Assert.True(qp.State == from, $"QP moved to {qp.State.ToName()} without required {bit}");
        }
    }

    [Theory]
    [InlineData(QpState.Reset, QpState.Init, QpAttrMask.Timeout)]
    [InlineData(QpState.Reset, QpState.Init, QpAttrMask.Qkey)]
    [InlineData(QpState.Init, QpState.Rtr, QpAttrMask.SqPsn)]
    [InlineData(QpState.Init, QpState.Rtr, QpAttrMask.CurState)]
    [InlineData(QpState.Rtr, QpState.Rts, QpAttrMask.DestQpn)]
    [InlineData(QpState.Rtr, QpState.Rts, QpAttrMask.Cap)]
    [InlineData(QpState.Rts, QpState.Rts, QpAttrMask.Timeout)]
    [InlineData(QpState.Rts, QpState.Sqd, QpAttrMask.AccessFlags)]
    [InlineData(QpState.Init, QpState.Err, QpAttrMask.AccessFlags)]
    public void Disallowed_extra_attribute_is_einval(QpState from, QpState to, QpAttrMask extra)
    {
        using var bench = new LoneQpBench();
        var qp = bench.NewQpIn(from);
        var (req, _) = KernelRc[(from, to)];
        var rc = qp.Modify(LoneQpBench.ValidAttr(to, from), QpAttrMask.State | req | extra);
        Assert.True(rc == Errno.EINVAL, $"{from.ToName()} -> {to.ToName()} with extra {extra} returned {Errno.Name(rc)}");
        Assert.True(qp.State == from, $"QP moved to {qp.State.ToName()} with disallowed {extra}");
    }

    /// <summary>The simulator's table agrees with the kernel's for every (from, to, mask), SQE and UNKNOWN included.</summary>
    [HarnessProperty(MaxTest = 400)]
    public Property Transition_table_matches_the_kernel_oracle()
    {
        var gen =
            from fromIndex in Gen.Choose(0, 6)
            from toIndex in Gen.Choose(0, 7)
            from mask in MaskFor((QpState)fromIndex, (QpState)toIndex)
            select ((QpState)fromIndex, (QpState)toIndex, mask);
        return Prop.ForAll(Arb.From(gen), c =>
        {
            var (from, to, mask) = c;
            var expected = KernelAllows(from, to, mask);
            var rc = QpTransitionTable.Check(from, to, mask | QpAttrMask.State, out var reason);
            Assert.True((rc == Errno.Ok) == expected,
                $"QpTransitionTable.Check({from.ToName()} -> {to.ToName()}, {mask}) = {Errno.Name(rc)} ({reason}); kernel says {(expected ? "ok" : "EINVAL")}");
        });
    }

    /// <summary>ibv_modify_qp on a live QP: the result and the state after it follow the kernel oracle.</summary>
    [HarnessProperty(MaxTest = 300)]
    public Property Modify_on_a_live_qp_matches_the_kernel_oracle()
    {
        var gen =
            from start in Gen.Elements(Reachable)
            from toIndex in Gen.Choose(0, 7)
            from withState in Gen.Frequency((9, Gen.Constant(true)), (1, Gen.Constant(false)))
            from mask in MaskFor(start, withState ? (QpState)toIndex : start)
            select (start, withState ? (QpState)toIndex : start, withState ? mask | QpAttrMask.State : mask & ~QpAttrMask.State);
        using var bench = new LoneQpBench();
        return Prop.ForAll(Arb.From(gen), c =>
        {
            var (from, to, mask) = c;
            var qp = bench.NewQpIn(from);
            var expected = KernelAllows(from, to, mask);
            var rc = qp.Modify(LoneQpBench.ValidAttr(to, from), mask);
            Assert.True(rc == (expected ? Errno.Ok : Errno.EINVAL),
                $"modify_qp {from.ToName()} -> {to.ToName()} mask {mask}: {Errno.Name(rc)}, kernel says {(expected ? "ok" : "EINVAL")}");
            var after = expected ? to : from;
            Assert.True(qp.State == after, $"QP is {qp.State.ToName()} after modify {from.ToName()} -> {to.ToName()} ({Errno.Name(rc)}), expected {after.ToName()}");
            qp.Destroy();
        });
    }

    [Theory]
    [InlineData(QpState.Reset)]
    [InlineData(QpState.Init)]
    [InlineData(QpState.Rtr)]
    public void Post_send_before_rts_is_einval(QpState state)
    {
        using var bench = new LoneQpBench();
        var qp = bench.NewQpIn(state);
        var wr = new SendWorkRequest { WrId = 1, Opcode = WrOpcode.Send, Flags = SendFlags.Signaled };
        var rc = qp.PostSend(new ReadOnlySpan<SendWorkRequest>(in wr), out var bad);
        Assert.True(rc == Errno.EINVAL, $"post_send in {state.ToName()} returned {Errno.Name(rc)}");
        Assert.True(bad == 0, $"post_send in {state.ToName()} named bad WR {bad}, expected 0");
        Assert.True(qp.OutstandingSends == 0, $"post_send in {state.ToName()} queued {qp.OutstandingSends} WR(s)");
    }

    [Fact]
    public void Post_recv_in_reset_is_einval_and_allowed_from_init()
    {
        using var bench = new LoneQpBench();
        var qp = bench.NewQp();
        var wr = new RecvWorkRequest { WrId = 1 };
        Assert.True(qp.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in wr), out _) == Errno.EINVAL, "post_recv in RESET must be EINVAL");
        ConnectedPair.Check(qp.Modify(LoneQpBench.ValidAttr(QpState.Init, QpState.Reset), LoneQpBench.BringUpMask(QpState.Init)), "to INIT");
        Assert.True(qp.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in wr), out _) == Errno.Ok, "post_recv in INIT must succeed");
        Assert.True(qp.OutstandingRecvs == 1, $"QP holds {qp.OutstandingRecvs} receives, expected 1");
    }

    [Theory]
    [InlineData("retry_cnt 8")]
    [InlineData("rnr_retry 8")]
    [InlineData("timeout 32")]
    [InlineData("max_rd_atomic above device limit")]
    [InlineData("max_dest_rd_atomic above device limit")]
    [InlineData("min_rnr_timer 32")]
    [InlineData("port 2")]
    [InlineData("path_mtu 6")]
    public void Out_of_range_attribute_value_is_einval_and_leaves_the_state(string what)
    {
        using var bench = new LoneQpBench();
        var limit = bench.DeviceAttr.MaxQpInitRdAtom;
        var to = what.StartsWith("max_dest", StringComparison.Ordinal) || what.StartsWith("min_rnr", StringComparison.Ordinal) ||
            what.StartsWith("path_mtu", StringComparison.Ordinal) ? QpState.Rtr
            : what.StartsWith("port", StringComparison.Ordinal) ? QpState.Init : QpState.Rts;
        var from = to - 1;
        var qp = bench.NewQpIn(from);
        var attr = LoneQpBench.ValidAttr(to, from);
        switch (what)
        {
            case "retry_cnt 8": attr.RetryCnt = 8; break;
            case "rnr_retry 8": attr.RnrRetry = 8; break;
            case "timeout 32": attr.Timeout = 32; break;
            case "max_rd_atomic above device limit": attr.MaxRdAtomic = (byte)(limit + 1); break;
            case "max_dest_rd_atomic above device limit": attr.MaxDestRdAtomic = (byte)(bench.DeviceAttr.MaxQpRdAtom + 1); break;
            case "min_rnr_timer 32": attr.MinRnrTimer = 32; break;
            case "port 2": attr.PortNum = 2; break;
            case "path_mtu 6": attr.PathMtu = (Mtu)6; break;
        }

        var rc = qp.Modify(attr, LoneQpBench.BringUpMask(to));
        Assert.True(rc == Errno.EINVAL, $"{from.ToName()} -> {to.ToName()} with {what} returned {Errno.Name(rc)}");
        Assert.True(qp.State == from, $"QP moved to {qp.State.ToName()} with {what}");

        // The same modify with the value at its bound succeeds.
        var ok = LoneQpBench.ValidAttr(to, from);
        ok.RetryCnt = 7;
        ok.RnrRetry = 7;
        ok.Timeout = 31;
        ok.MaxRdAtomic = (byte)limit;
        ok.MaxDestRdAtomic = (byte)bench.DeviceAttr.MaxQpRdAtom;
        ok.MinRnrTimer = 31;
        rc = qp.Modify(ok, LoneQpBench.BringUpMask(to));
        Assert.True(rc == Errno.Ok, $"{from.ToName()} -> {to.ToName()} with every value at its bound returned {Errno.Name(rc)}");
    }

    [Fact]
    public void Reset_discards_queued_work_and_the_qp_can_be_brought_up_again()
    {
        using var bench = new LoneQpBench();
        var qp = bench.NewQpIn(QpState.Init);
        var recv = new RecvWorkRequest { WrId = 7 };
        ConnectedPair.Check(qp.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in recv), out _), "post_recv");
        ConnectedPair.Check(qp.Modify(LoneQpBench.ValidAttr(QpState.Reset, QpState.Init), QpAttrMask.State), "to RESET");
        Assert.True(qp.OutstandingRecvs == 0, $"QP kept {qp.OutstandingRecvs} receive(s) across RESET");
        Span<WorkCompletion> wcs = stackalloc WorkCompletion[4];
        Assert.True(bench.Cq.Poll(wcs) == 0, "RESET must discard work requests without completions");
        foreach (var step in new[] { QpState.Init, QpState.Rtr, QpState.Rts })
        {
            ConnectedPair.Check(qp.Modify(LoneQpBench.ValidAttr(step, qp.State), LoneQpBench.BringUpMask(step)), $"to {step.ToName()} after RESET");
        }

        Assert.True(qp.State == QpState.Rts, $"QP is {qp.State.ToName()}, expected RTS");
    }

    /// <summary>Kernel's <c>ib_modify_qp_is_ok</c> for IB_QPT_RC.</summary>
    private static bool KernelAllows(QpState from, QpState to, QpAttrMask mask)
    {
        if ((mask & QpAttrMask.CurState) != 0 && from is not (QpState.Rtr or QpState.Rts or QpState.Sqd or QpState.Sqe))
        {
            return false;
        }

        if (!KernelRc.TryGetValue((from, to), out var entry))
        {
            return false;
        }

        return (mask & entry.Req) == entry.Req && (mask & ~(entry.Req | entry.Opt | QpAttrMask.State)) == 0;
    }

    /// <summary>Masks that hit the interesting cases: exactly legal, one required bit short, one disallowed bit extra, random.</summary>
    private static Gen<QpAttrMask> MaskFor(QpState from, QpState to)
    {
        var (req, opt) = KernelRc.TryGetValue((from, to), out var e) ? e : (QpAttrMask.None, QpAttrMask.None);
        var optBits = Bits(opt).ToArray();
        var reqBits = Bits(req).ToArray();
        var forbidden = Bits(AllBits & ~(req | opt | QpAttrMask.State)).ToArray();
        var legal = Gen.SubListOf(optBits).Select(sub => sub.Aggregate(req, (m, b) => m | b));
        var gens = new List<(int, Gen<QpAttrMask>)>
        {
            (4, legal),
            (2, Gen.Choose(0, (1 << 21) - 1).Select(r => (QpAttrMask)r)),
        };
        if (reqBits.Length > 0)
        {
            gens.Add((2, legal.SelectMany(_ => Gen.Elements(reqBits), (m, b) => m & ~b)));
        }

        if (forbidden.Length > 0)
        {
            gens.Add((2, legal.SelectMany(_ => Gen.Elements(forbidden), (m, b) => m | b)));
        }

        return Gen.Frequency(gens.ToArray());
    }

    private static IEnumerable<QpAttrMask> Bits(QpAttrMask mask)
    {
        for (var i = 0; i < 21; i++)
        {
            var bit = (QpAttrMask)(1 << i);
            if ((mask & bit) != 0)
            {
                yield return bit;
            }
        }
    }

    private static Dictionary<(QpState, QpState), (QpAttrMask, QpAttrMask)> BuildKernelRcTable()
    {
        const QpAttrMask none = QpAttrMask.None;
        var t = new Dictionary<(QpState, QpState), (QpAttrMask, QpAttrMask)>
        {
            [(QpState.Reset, QpState.Reset)] = (none, none),
            [(QpState.Reset, QpState.Init)] = (QpAttrMask.PkeyIndex | QpAttrMask.Port | QpAttrMask.AccessFlags, none),
            [(QpState.Init, QpState.Init)] = (none, QpAttrMask.PkeyIndex | QpAttrMask.Port | QpAttrMask.AccessFlags),
            [(QpState.Init, QpState.Rtr)] = (
                QpAttrMask.Av | QpAttrMask.PathMtu | QpAttrMask.DestQpn | QpAttrMask.RqPsn | QpAttrMask.MaxDestRdAtomic | QpAttrMask.MinRnrTimer,
                QpAttrMask.AltPath | QpAttrMask.AccessFlags | QpAttrMask.PkeyIndex),
            [(QpState.Rtr, QpState.Rts)] = (
                QpAttrMask.Timeout | QpAttrMask.RetryCnt | QpAttrMask.RnrRetry | QpAttrMask.SqPsn | QpAttrMask.MaxQpRdAtomic,
                QpAttrMask.CurState | QpAttrMask.AltPath | QpAttrMask.AccessFlags | QpAttrMask.MinRnrTimer | QpAttrMask.PathMigState),
            [(QpState.Rts, QpState.Rts)] = (none,
                QpAttrMask.CurState | QpAttrMask.AccessFlags | QpAttrMask.AltPath | QpAttrMask.PathMigState | QpAttrMask.MinRnrTimer),
            [(QpState.Rts, QpState.Sqd)] = (none, QpAttrMask.EnSqdAsyncNotify),
            [(QpState.Sqd, QpState.Rts)] = (none,
                QpAttrMask.CurState | QpAttrMask.AltPath | QpAttrMask.AccessFlags | QpAttrMask.MinRnrTimer | QpAttrMask.PathMigState),
            [(QpState.Sqd, QpState.Sqd)] = (none,
                QpAttrMask.Port | QpAttrMask.Av | QpAttrMask.Timeout | QpAttrMask.RetryCnt | QpAttrMask.RnrRetry | QpAttrMask.MaxQpRdAtomic |
                QpAttrMask.MaxDestRdAtomic | QpAttrMask.AltPath | QpAttrMask.AccessFlags | QpAttrMask.PkeyIndex | QpAttrMask.MinRnrTimer |
                QpAttrMask.PathMigState),
            [(QpState.Sqe, QpState.Rts)] = (none, none),
            [(QpState.Err, QpState.Err)] = (none, none),
        };
        foreach (var from in new[] { QpState.Init, QpState.Rtr, QpState.Rts, QpState.Sqd, QpState.Sqe, QpState.Err })
        {
            t[(from, QpState.Reset)] = (none, none);
            t[(from, QpState.Err)] = (none, none);
        }

        return t;
    }
}
