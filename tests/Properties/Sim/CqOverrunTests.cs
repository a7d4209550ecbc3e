using Harness.Sim.Contract;
using Harness.Sim.Core;
using Harness.Sim.Nic;
using Harness.Tests.Properties.Support;
using Harness.Transport.Invariants;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Sim;

/// <summary>
/// Goal: a CQ has the entries its provider gives for what the consumer asked (mlx5: the next power of two of cqe + 1,
/// less one; rxe: exactly cqe), and overrunning it behaves as on hardware — the CQ goes to error, IBV_EVENT_CQ_ERR is
/// raised, the QPs completing to it move to ERR — and is reported as the consumer's verbs-contract violation
/// <c>cq-overrun</c>, naming the CQ and what its QPs can have outstanding.
/// </summary>
public sealed class CqOverrunTests
{
    [Theory]
    [InlineData(SimProvider.Mlx5, 1, 1)]
    [InlineData(SimProvider.Mlx5, 4, 7)]
    [InlineData(SimProvider.Mlx5, 4095, 4095)]
    [InlineData(SimProvider.Mlx5, 4096, 8191)]
    [InlineData(SimProvider.Rxe, 4, 4)]
    [InlineData(SimProvider.Rxe, 4096, 4096)]
    public void A_cq_has_the_entries_its_provider_gives(SimProvider provider, int asked, int given)
    {
        using var pair = ConnectedPair.Create(new SimOptions { Provider = provider }, cqEntries: asked);

        Assert.Equal(given, pair.Client.Cq.Cqe);
    }

    [Theory]
    [InlineData(SimProvider.Mlx5)]
    [InlineData(SimProvider.Rxe)]
    public void Overrunning_a_cq_errors_it_raises_cq_err_moves_its_qps_to_err_and_is_the_consumers_violation(SimProvider provider)
    {
        using var pair = ConnectedPair.Create(new SimOptions { Provider = provider, TraceRecordsInMemory = 10_000 }, sendWr: 8, cqEntries: 3);
        var cq = (SimCq)pair.Client.Cq;
        for (var i = 0; i < cq.Cqe + 1; i++)
        {
            ConnectedPair.Check(pair.Client.PostSend(WrOpcode.RdmaWrite, (ulong)i, pair.Client.Sge(0, 16), pair.Server.Buffer.Address, pair.Server.Mr.Rkey), "post_send");
        }

        var violation = Assert.Throws<InvariantViolationException>(() => pair.RunIdle());

        Assert.Equal(VerbsContract.Invariant, violation.Invariant);
        Assert.StartsWith(VerbsContract.CqOverrun + ":", violation.Detail, StringComparison.Ordinal);
        Assert.Contains($"{cq.Cqe} entries", violation.Detail, StringComparison.Ordinal);
        Assert.True(cq.Overrun, "the CQ is not in error");
        Assert.Equal(QpState.Err, pair.Client.Qp.State);
        Assert.Equal(Errno.Ok, pair.Client.Context.GetAsyncEvent(out var ev));
        Assert.Equal(AsyncEventType.CqErr, ev.EventType);
    }
}
