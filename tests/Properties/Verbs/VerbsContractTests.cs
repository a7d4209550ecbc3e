using Harness.Sim.Contract;
using Harness.Sim.Nic;
using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>
/// Goal: what rdma-core would turn into undefined behaviour or a hang stops a simulated run with a named
/// verbs-contract violation that names the object, instead of an errno the C consumer would never have got. Each case
/// is a deliberately broken consumer.
/// </summary>
public sealed class VerbsContractTests
{
    private static readonly QpCap Caps = new() { MaxSendWr = 4, MaxRecvWr = 4, MaxSendSge = 1, MaxRecvSge = 1 };

    [Fact]
    public void Destroying_a_qp_whose_async_event_is_not_acked_is_a_certain_hang()
    {
        using var pair = ConnectedPair.Create(serverSrq: true);
        var s = pair.Server;
        ConnectedPair.Check(s.Qp.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State), "modify_qp(ERR)");
        ConnectedPair.Check(s.Context.GetAsyncEvent(out var ev), "get_async_event");
        Assert.Equal(AsyncEventType.QpLastWqeReached, ev.EventType);

        var v = ContractAssert.Violates(VerbsContract.UnackedEventsOnDestroy, () => s.Qp.Destroy());
        Assert.Contains(s.Qp.ToString(), v.Detail, StringComparison.Ordinal);
        Assert.False(s.Qp.Destroyed, "a destroy that would hang must not have destroyed the QP");

        s.Context.AckAsyncEvent(ev);
        ConnectedPair.Check(s.Qp.Destroy(), "destroy_qp after the ack");
    }

    [Fact]
    public void Polling_a_destroyed_cq_is_use_after_destroy()
    {
        using var bench = new LoneQpBench();
        ConnectedPair.Check(bench.Context.CreateCq(8, null, out var cq), "create_cq");
        ConnectedPair.Check(cq!.Destroy(), "destroy_cq");
        var wcs = new WorkCompletion[1];
        ContractAssert.Violates(VerbsContract.UseAfterDestroy, () => cq.Poll(wcs));
        ContractAssert.Violates(VerbsContract.DestroyedTwice, () => cq.Destroy());
    }

    [Fact]
    public void An_srq_destroyed_twice_or_posted_after_destroy_is_named()
    {
        using var bench = new LoneQpBench();
        ConnectedPair.Check(bench.Pd.CreateSrq(4, 1, null, out var srq), "create_srq");
        ConnectedPair.Check(srq!.Destroy(), "destroy_srq");
        var recv = new RecvWorkRequest { WrId = 1, NumSge = 0 };
        ContractAssert.Violates(VerbsContract.UseAfterDestroy, () => srq.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in recv), out _));
        ContractAssert.Violates(VerbsContract.DestroyedTwice, () => srq.Destroy());
    }

    [Fact]
    public void An_mr_deregistered_twice_is_named()
    {
        using var bench = new LoneQpBench();
        var buffer = bench.Host.Memory.Allocate(4096);
        ConnectedPair.Check(bench.Pd.RegMr(buffer, buffer.Address, 4096, AccessFlags.LocalWrite, out var mr), "reg_mr");
        ConnectedPair.Check(mr!.Dereg(), "dereg_mr");
        ContractAssert.Violates(VerbsContract.DestroyedTwice, () => mr.Dereg());
    }

    [Fact]
    public void Posting_more_sges_than_the_qp_was_created_with_is_named()
    {
        using var bench = new LoneQpBench();
        ConnectedPair.Check(bench.Pd.CreateQp(new QpInitAttr { SendCq = bench.Cq, RecvCq = bench.Cq, QpType = QpType.Rc, Cap = Caps }, out var qp), "create_qp");
        ConnectedPair.Check(qp!.Modify(LoneQpBench.ValidAttr(QpState.Init, QpState.Reset), QpAttrMask.State | QpAttrMask.PkeyIndex | QpAttrMask.Port | QpAttrMask.AccessFlags), "modify_qp(INIT)");
        var recv = new RecvWorkRequest { WrId = 1, NumSge = 2 };
        ContractAssert.Violates(VerbsContract.PostBeyondCaps, () => qp.PostRecv(new ReadOnlySpan<RecvWorkRequest>(in recv), out _));
    }
}
