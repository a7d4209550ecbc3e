using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>Property Get/Set: CAP, VS, CC enable/disable/shutdown and CSTS, and the INVALID PARAM answers.</summary>
public sealed class PropertyTests
{
    [Fact]
    public void Cap_reports_queue_depth_cqr_timeout_nvm_and_4k_pages()
    {
        var bed = new NvmfTestBed(new NvmfTargetOptions { QueueDepthMax = 64 });
        var (admin, _) = bed.ConnectAdmin();
        var get = bed.PropertyGet(admin, NvmeProperty.Cap, PropertySize.EightBytes);

        Assert.Equal(NvmeStatus.Success, get.Status);
        var cap = ControllerCapabilities.FromRaw(get.Value64);
        Assert.Equal(63, cap.Mqes);
        Assert.True(cap.Cqr);
        Assert.Equal(NvmfTarget.ReadyTimeout500Ms, cap.Timeout);
        Assert.Equal(0x01, cap.Css);
        Assert.Equal(0, cap.Mpsmin);
        Assert.Equal(0, cap.Mpsmax);
        Assert.Equal(0, cap.Dstrd);
        Assert.NotEqual(0UL, get.Value64 & (1UL << 59)); // CRWMS, as SPDK sets for NVMe 2.0
    }

    [Fact]
    public void Cap_reads_as_two_halves()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectAdmin();
        var whole = bed.PropertyGet(admin, NvmeProperty.Cap, PropertySize.EightBytes).Value64;
        var low = bed.PropertyGet(admin, NvmeProperty.Cap);
        var high = bed.PropertyGet(admin, NvmeProperty.Cap + 4);

        Assert.Equal((uint)whole, low.Dw0);
        Assert.Equal((uint)(whole >> 32), high.Dw0);
        Assert.Equal(0u, low.Dw1);
    }

    [Fact]
    public void Vs_is_2_0_and_cc_csts_start_at_zero()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectAdmin();
        Assert.Equal(NvmeVersion.V2_0.ToRaw(), bed.PropertyGet(admin, NvmeProperty.Vs).Dw0);
        Assert.Equal(0u, bed.PropertyGet(admin, NvmeProperty.Cc).Dw0);
        Assert.Equal(0u, bed.PropertyGet(admin, NvmeProperty.Csts).Dw0);
        Assert.Equal(0u, bed.PropertyGet(admin, NvmeProperty.Nssr).Dw0);
        Assert.Equal(NvmfTarget.ReadyTimeout500Ms, bed.PropertyGet(admin, NvmeProperty.Crto).Dw0);
    }

    [Fact]
    public void Enable_sets_ready_and_disable_without_io_queues_resets_at_once()
    {
        var bed = new NvmfTestBed();
        var (admin, controller) = bed.ConnectAdmin();
        Assert.Equal(NvmeStatus.Success, bed.PropertySet(admin, NvmeProperty.Cc, NvmfTestBed.CcEnable).Status);
        Assert.Equal(NvmfTestBed.CcEnable, bed.PropertyGet(admin, NvmeProperty.Cc).Dw0);
        Assert.True(ControllerStatus.FromRaw(bed.PropertyGet(admin, NvmeProperty.Csts).Dw0).Ready);

        Assert.Equal(NvmeStatus.Success, bed.PropertySet(admin, NvmeProperty.Cc, NvmfTestBed.CcEnable & ~1u).Status);
        Assert.Equal(0u, bed.PropertyGet(admin, NvmeProperty.Cc).Dw0); // a reset clears CC
        Assert.Equal(0u, bed.PropertyGet(admin, NvmeProperty.Csts).Dw0);
        Assert.Equal(NvmfPendingReset.None, controller.PendingReset);
        Assert.Same(controller, admin.Controller); // the association survives a reset
    }

    [Fact]
    public void Disable_with_io_queues_finishes_when_they_are_disconnected()
    {
        var bed = new NvmfTestBed();
        var (admin, io, controller) = bed.ConnectAll();
        Assert.Equal(NvmeStatus.Success, bed.PropertySet(admin, NvmeProperty.Cc, 0).Status);

        Assert.Equal(NvmfPendingReset.Reset, controller.PendingReset);
        Assert.True(ControllerStatus.FromRaw(bed.PropertyGet(admin, NvmeProperty.Csts).Dw0).Ready);
        Assert.Equal(NvmeStatus.CommandSequenceError, bed.Read(io, 0, 1).Status); // CC.EN = 0: no I/O
        Assert.False(io.Disconnected); // disconnects are issued from Poll, not from Execute

        bed.Target.Poll(bed.Clock.NowNs);
        Assert.True(io.Disconnected);
        Assert.Equal(0u, bed.PropertyGet(admin, NvmeProperty.Csts).Dw0);
        Assert.Equal(NvmfPendingReset.None, controller.PendingReset);
        Assert.False(admin.Disconnected);

        bed.PropertySet(admin, NvmeProperty.Cc, NvmfTestBed.CcEnable);
        bed.ConnectIo(controller, 1); // enabled again: I/O queues can come back
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Shutdown_normal_or_abrupt_completes_shst_after_the_io_queues_go(byte shn)
    {
        var bed = new NvmfTestBed();
        var (admin, io, controller) = bed.ConnectAll(kato: 10_000);
        Assert.Equal(NvmeStatus.Success, bed.PropertySet(admin, NvmeProperty.Cc, NvmfTestBed.CcEnable | ((uint)shn << 14)).Status);
        Assert.Equal(1, ControllerStatus.FromRaw(bed.PropertyGet(admin, NvmeProperty.Csts).Dw0).Shst); // occurring
        Assert.True(controller.KeepAliveStopped);

        bed.Target.Poll(bed.Clock.NowNs);
        Assert.True(io.Disconnected);
        var csts = ControllerStatus.FromRaw(bed.PropertyGet(admin, NvmeProperty.Csts).Dw0);
        Assert.Equal(2, csts.Shst);
        Assert.True(csts.Ready);
        Assert.Equal(shn, ControllerConfiguration.FromRaw(bed.PropertyGet(admin, NvmeProperty.Cc).Dw0).Shn);
    }

    [Fact]
    public void Shutdown_without_io_queues_completes_at_once()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectEnabled();
        bed.PropertySet(admin, NvmeProperty.Cc, NvmfTestBed.CcEnable | (1u << 14));
        Assert.Equal(2, ControllerStatus.FromRaw(bed.PropertyGet(admin, NvmeProperty.Csts).Dw0).Shst);
    }

    [Theory]
    [InlineData(3u << 14)] // SHN reserved value
    [InlineData(1u << 11)] // AMS change
    [InlineData(1u << 7)] // MPS change
    [InlineData(7u << 4)] // CSS 7 > 6
    public void Unsupported_cc_values_are_invalid_param_and_change_nothing(uint bits)
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectAdmin();
        Assert.Equal(NvmeStatus.ConnectInvalidParameters, bed.PropertySet(admin, NvmeProperty.Cc, NvmfTestBed.CcEnable | bits).Status);
        Assert.Equal(0u, bed.PropertyGet(admin, NvmeProperty.Cc).Dw0);
        Assert.Equal(0u, bed.PropertyGet(admin, NvmeProperty.Csts).Dw0);
    }

    [Theory]
    [InlineData(NvmeProperty.Cc, PropertySize.EightBytes)] // 8 bytes of a 4-byte property
    [InlineData(0x10u, PropertySize.FourBytes)] // no property there
    [InlineData(0x02u, PropertySize.FourBytes)] // inside CAP, not a half
    [InlineData(NvmeProperty.Cap + 4, PropertySize.EightBytes)]
    [InlineData(NvmeProperty.Asq, PropertySize.EightBytes)] // PCIe-only register
    [InlineData(0xFFFFFFFCu, PropertySize.FourBytes)]
    public void Get_at_a_bad_offset_or_size_is_invalid_param(uint offset, PropertySize size)
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectAdmin();
        Assert.Equal(NvmeStatus.ConnectInvalidParameters, bed.PropertyGet(admin, offset, size).Status);
    }

    [Fact]
    public void Reserved_size_is_invalid_param()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectAdmin();
        var cmd = new PropertyGetCommand { Offset = NvmeProperty.Cc }.ToCommand();
        cmd.Cdw10 = 2;
        Assert.Equal(NvmeStatus.ConnectInvalidParameters, bed.Execute(admin, cmd).Status);
    }

    [Theory]
    [InlineData(NvmeProperty.Cap, PropertySize.EightBytes)]
    [InlineData(NvmeProperty.Cap + 4, PropertySize.FourBytes)]
    [InlineData(NvmeProperty.Vs, PropertySize.FourBytes)]
    [InlineData(NvmeProperty.Nssr, PropertySize.FourBytes)]
    [InlineData(NvmeProperty.Crto, PropertySize.FourBytes)]
    [InlineData(NvmeProperty.Cc, PropertySize.EightBytes)]
    public void Set_of_a_read_only_or_missized_property_is_invalid_param(uint offset, PropertySize size)
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectAdmin();
        Assert.Equal(NvmeStatus.ConnectInvalidParameters, bed.PropertySet(admin, offset, NvmeProperty.NssrResetValue, size).Status);
    }

    [Fact]
    public void Properties_on_an_io_queue_are_invalid_opcode()
    {
        var bed = new NvmfTestBed();
        var (_, io, _) = bed.ConnectAll();
        Assert.Equal(NvmeStatus.InvalidOpcode, bed.PropertyGet(io, NvmeProperty.Cap).Status);
        Assert.Equal(NvmeStatus.InvalidOpcode, bed.PropertySet(io, NvmeProperty.Cc, 0).Status);
    }

    [Fact]
    public void Admin_commands_before_enable_are_command_sequence_errors()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectAdmin();
        Assert.Equal(NvmeStatus.CommandSequenceError, bed.Identify(admin, IdentifyCns.Controller).Status);
        Assert.Equal(NvmeStatus.CommandSequenceError, bed.KeepAlive(admin).Status);
        Assert.Equal(NvmeStatus.Success, bed.PropertyGet(admin, NvmeProperty.Cap).Status); // Fabrics commands are fine
    }

    [Fact]
    public void Csts_writes_only_clear_nssro()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectEnabled();
        Assert.Equal(NvmeStatus.Success, bed.PropertySet(admin, NvmeProperty.Csts, 0).Status);
        Assert.Equal(NvmeStatus.Success, bed.PropertySet(admin, NvmeProperty.Csts, 0x10).Status);
        Assert.Equal(1u, bed.PropertyGet(admin, NvmeProperty.Csts).Dw0); // RDY untouched
    }
}
