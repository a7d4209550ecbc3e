using Harness.Sim.Core;
using Harness.Sim.Nic;
using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// Goal: on a provider that never raises LAST_WQE_REACHED (Soft-RoCE), a target using an SRQ still destroys a qpair
/// whose QP failed, as SPDK does by checking the vendor id; a target that waits for the event leaks the qpair forever.
/// </summary>
public sealed class RxeProviderTests
{
    private const long DrainNsMax = 1_000_000_000;

    [Theory]
    [InlineData(SimProvider.Mlx5)]
    [InlineData(SimProvider.Rxe)]
    public void A_failed_srq_qpair_is_destroyed_whether_or_not_the_provider_raises_last_wqe_reached(SimProvider provider)
    {
        var options = new TargetOptions { NumSharedBuffers = 256, IoUnitSize = 4096, MaxSendSge = 2, UseSrq = true, MaxSrqDepth = 64 };
        using var bed = new TargetBed(options, new SimOptions { Seed = 1, TraceRecordsInMemory = 0, Provider = provider });
        var host = bed.AddHost("a", 16);
        bed.Connect(host, qid: 1);
        var qpair = bed.Transport.Qpairs.Single(q => !q.Destroyed);

        bed.ForceQpError(qpair);
        bed.RunFor(DrainNsMax);

        Assert.True(qpair.Destroyed, $"{provider}: the failed qpair {qpair} is still live {DrainNsMax} ns later (LAST_WQE_REACHED {(qpair.LastWqeReached ? "seen" : "never seen")})");
    }
}
