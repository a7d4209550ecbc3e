using Harness.HardwareRunner.Backends;
using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>
/// Goal: the simulator's own teardown audit (what `harness run`, `sweep` and `replay` check after every run) notices a
/// CQ or SRQ never destroyed and an async event got and never acked, by counting in the simulator, not in the
/// consumer's bookkeeping; a consumer that releases everything leaves nothing to report.
/// </summary>
public sealed class SimLeakCheckTests
{
    [Fact]
    public void Cqs_srqs_and_unacked_async_events_left_behind_are_named()
    {
        using var pair = ConnectedPair.Create(serverSrq: true);
        var s = pair.Server;
        var baseline = SimLeakCheck.Snapshot(pair.Fabric, "server", "client");
        ConnectedPair.Check(s.Context.CreateCq(4, null, out var cq), "create_cq");
        ConnectedPair.Check(s.Pd.CreateSrq(4, 1, null, out var srq), "create_srq");
        ConnectedPair.Check(s.Qp.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State), "modify_qp(ERR)");
        ConnectedPair.Check(s.Context.GetAsyncEvent(out var ev), "get_async_event");

        var leak = SimLeakCheck.Find(pair.Fabric, baseline);
        Assert.NotNull(leak);
        Assert.Contains("server: 1 CQ(s) not destroyed", leak, StringComparison.Ordinal);
        Assert.Contains("server: 1 SRQ(s) not destroyed", leak, StringComparison.Ordinal);
        Assert.Contains("server: 1 async event(s) got and never acked", leak, StringComparison.Ordinal);

        s.Context.AckAsyncEvent(ev);
        ConnectedPair.Check(cq!.Destroy(), "destroy_cq");
        ConnectedPair.Check(srq!.Destroy(), "destroy_srq");
        Assert.Null(SimLeakCheck.Find(pair.Fabric, baseline));
    }
}
