using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>
/// The keep-alive timer as SPDK runs it: started at the admin Connect, reset by Keep Alive commands only, checked in
/// Poll; on expiry CSTS.CFS is set and every qpair of the controller disconnected, whose fini destructs the controller.
/// </summary>
public sealed class KeepAliveTests
{
    [Theory]
    [InlineData(0u, 0L)]
    [InlineData(1u, 10_000L)]
    [InlineData(15_000u, 20_000L)]
    public void Connect_kato_is_rounded_like_spdk(uint kato, long expected)
    {
        var bed = new NvmfTestBed();
        var (_, controller) = bed.ConnectAdmin(kato);
        Assert.Equal(expected, controller.KeepAliveTimeoutMs);
    }

    [Fact]
    public void Expiry_disconnects_every_qpair_and_destroys_the_controller()
    {
        var bed = new NvmfTestBed();
        var (admin, io, controller) = bed.ConnectAll(kato: 10_000);
        var io2 = bed.ConnectIo(controller, 2);

        bed.Clock.AdvanceMs(10_000);
        bed.Target.Poll(bed.Clock.NowNs);
        Assert.False(admin.Disconnected); // not past the deadline yet

        bed.Clock.NowNs += 1;
        bed.Target.Poll(bed.Clock.NowNs);
        Assert.True(admin.Disconnected);
        Assert.True(io.Disconnected);
        Assert.True(io2.Disconnected);
        Assert.Equal(1, admin.DisconnectCalls);
        Assert.Equal(1, io.DisconnectCalls);
        Assert.True(controller.Csts.Cfs);
        Assert.True(controller.IsDestroyed);
        Assert.Empty(bed.Target.Controllers);
        Assert.Null(bed.Target.FindController(controller.Cntlid));
        Assert.Null(admin.Controller);
        Assert.Equal(1, bed.Target.KeepAliveExpirations);
    }

    [Fact]
    public void Keep_alive_resets_the_timer()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectEnabled(kato: 10_000);
        for (var i = 0; i < 10; i++)
        {
            bed.Clock.AdvanceMs(9_000);
            Assert.Equal(NvmeStatus.Success, bed.KeepAlive(admin).Status);
            bed.Target.Poll(bed.Clock.NowNs);
        }

        Assert.False(admin.Disconnected);
    }

    [Fact]
    public void Other_admin_commands_do_not_reset_the_timer()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectEnabled(kato: 10_000);
        bed.Clock.AdvanceMs(9_000);
        bed.Identify(admin, IdentifyCns.Controller);
        bed.PropertyGet(admin, NvmeProperty.Csts);
        bed.Clock.AdvanceMs(2_000);
        bed.Target.Poll(bed.Clock.NowNs);
        Assert.True(admin.Disconnected);
    }

    [Fact]
    public void Set_features_changes_the_timeout_but_not_the_last_keep_alive()
    {
        var bed = new NvmfTestBed();
        var (admin, controller) = bed.ConnectEnabled(kato: 60_000);
        bed.Clock.AdvanceMs(15_000);
        bed.SetFeature(admin, FeatureId.KeepAliveTimer, 10_000);
        Assert.Equal(0, controller.LastKeepAliveNs);
        bed.Target.Poll(bed.Clock.NowNs);
        Assert.True(admin.Disconnected);
    }

    [Fact]
    public void Kato_zero_never_expires()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectEnabled(kato: 0);
        bed.Clock.AdvanceMs(1_000_000_000);
        bed.Target.Poll(bed.Clock.NowNs);
        Assert.False(admin.Disconnected);
    }

    [Fact]
    public void Shutdown_stops_the_timer()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectEnabled(kato: 10_000);
        bed.PropertySet(admin, NvmeProperty.Cc, NvmfTestBed.CcEnable | (1u << 14));
        bed.Clock.AdvanceMs(100_000);
        bed.Target.Poll(bed.Clock.NowNs);
        Assert.False(admin.Disconnected);
    }

    [Fact]
    public void Only_the_expired_controller_goes()
    {
        var bed = new NvmfTestBed();
        var (first, _) = bed.ConnectEnabled(kato: 10_000);
        bed.Clock.AdvanceMs(5_000);
        var (second, survivor) = bed.ConnectEnabled(kato: 10_000);
        bed.Clock.AdvanceMs(6_000);
        bed.Target.Poll(bed.Clock.NowNs);
        Assert.True(first.Disconnected);
        Assert.False(second.Disconnected);
        Assert.Equal(new[] { survivor }, bed.Target.Controllers);
    }

    [Fact]
    public void Admin_disconnect_keeps_the_controller_until_its_last_io_qpair_goes()
    {
        // nvmf.c:_nvmf_ctrlr_free_from_qpair:1552: the controller is destructed with the last qpair of its mask, not the
        // admin one; meanwhile its I/O qpairs keep working and nothing disconnects them.
        var bed = new NvmfTestBed();
        var (admin, io, controller) = bed.ConnectAll();
        admin.Disconnect(); // e.g. CM DISCONNECTED on the admin queue
        bed.Target.Poll(bed.Clock.NowNs);

        Assert.Null(controller.AdminQpair);
        Assert.False(controller.IsDestroyed);
        Assert.Same(controller, bed.Target.FindController(controller.Cntlid));
        Assert.False(io.Disconnected);
        Assert.Equal(NvmeStatus.Success, bed.Read(io, 0, 1).Status);

        var newIo = bed.NewQpair(2);
        AssertInvalidQid(bed.Connect(newIo, controller.Cntlid)); // "Inactive admin qpair" (ctrlr.c:764)
        Assert.Null(newIo.Controller);

        io.Disconnect();
        Assert.True(controller.IsDestroyed);
        Assert.Empty(bed.Target.Controllers);
        Assert.Null(io.Controller);
        Assert.Equal(1, io.DisconnectCalls);
    }

    private static void AssertInvalidQid(FakeNvmfRequest connect)
    {
        Assert.Equal(NvmeStatus.ConnectInvalidParameters, connect.Status);
        ConnectResponse.ReadInvalidParameter(connect.Dw0, out var iattr, out var ipo);
        Assert.False(iattr);
        Assert.Equal(ConnectCommand.QidOffset, ipo);
    }

    [Fact]
    public void Disconnect_of_a_never_connected_qpair_is_ignored()
    {
        var bed = new NvmfTestBed();
        var (_, controller) = bed.ConnectEnabled();
        var stray = bed.NewQpair(1);
        stray.Disconnect();
        Assert.False(controller.IsDestroyed);
        Assert.Single(bed.Target.Controllers);
    }
}
