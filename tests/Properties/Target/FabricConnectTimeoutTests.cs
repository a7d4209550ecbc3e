using Harness.Tests.Properties.Target.Support;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// Goal: a qpair whose host vanishes between the RTU and its Fabrics CONNECT (sweep seeds 584 and 669: the host's device
/// was removed) does not live for ever: it has no controller, so no keep-alive, and an idle RC QP never errors. The target
/// disconnects it <see cref="TargetOptions.FabricConnectTimeoutNsMax"/> after the accept (docs/findings/005); SPDK HEAD's
/// behaviour (<c>no-fabric-connect-timeout</c>) keeps it.
/// </summary>
public sealed class FabricConnectTimeoutTests
{
    private const long TimeoutNs = 1_000_000;

    [Fact]
    public void A_qpair_that_never_gets_its_fabrics_connect_is_disconnected_and_destroyed_after_the_timeout()
    {
        using var bed = Bed(KnownDefects.None);
        var qpair = AcceptedButSilent(bed);

        bed.RunUntil(() => qpair.Destroyed, "the silent qpair is destroyed", limitNs: 4 * TimeoutNs);
        Assert.Contains(bed.Log, l => l.Contains("no Fabrics CONNECT 1 ms after the connection was accepted", StringComparison.Ordinal));
    }

    [Fact]
    public void Spdk_heads_behaviour_keeps_it()
    {
        using var bed = Bed(KnownDefects.NoFabricConnectTimeout);
        var qpair = AcceptedButSilent(bed);

        bed.RunFor(4 * TimeoutNs);
        Assert.False(qpair.Destroyed, $"{qpair} was destroyed although nothing bounds its wait in SPDK HEAD");
        Assert.Equal(NvmfQpairState.Connecting, qpair.GenericState);
    }

    private static TargetBed Bed(KnownDefects defects) =>
        new(new TargetOptions { NumSharedBuffers = 1024, IoUnitSize = 4096, FabricConnectTimeoutNsMax = TimeoutNs, Defects = defects });

    private static RdmaQpair AcceptedButSilent(TargetBed bed)
    {
        var host = bed.AddHost("a", 8);
        host.Connect(bed.Address, RawHost.ConnectPrivateData(1, host.Depth), initiatorDepth: 0, responderResources: 16);
        bed.RunUntil(() => host.PollCm() == CmEventType.Established || host.CmEvents.Contains(CmEventType.Established), "ESTABLISHED");
        return bed.Transport.Qpairs.Single(q => !q.Destroyed);
    }
}
