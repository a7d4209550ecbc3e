using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>Fabrics Connect on admin and I/O queues: the success path and every rejection with its exact status and IATTR/IPO.</summary>
public sealed class ConnectTests
{
    [Fact]
    public void Admin_connect_creates_a_dynamic_controller_and_enables_the_qpair()
    {
        var bed = new NvmfTestBed();
        var admin = bed.NewQpair(0);
        var connect = bed.Connect(admin, sqsize: 31, kato: 30_000);

        Assert.Equal(NvmeStatus.Success, connect.Status);
        var cntlid = ConnectResponse.GetCntlid(connect.Dw0);
        Assert.Equal(NvmfTarget.CntlidMin, cntlid);
        var controller = Assert.IsType<NvmfController>(admin.Controller);
        Assert.Equal(cntlid, controller.Cntlid);
        Assert.Same(admin, controller.AdminQpair);
        Assert.Equal(1, admin.EnableCalls);
        Assert.Equal(31, admin.SqSize);
        Assert.Equal(30_000, controller.KeepAliveTimeoutMs);
        Assert.Equal(NvmfTestBed.HostNqn, controller.HostNqnText);
        Assert.False(controller.IsReady);
        Assert.Single(bed.Target.Controllers);
    }

    [Fact]
    public void Io_connect_joins_the_controller_named_by_cntlid()
    {
        var bed = new NvmfTestBed();
        var (_, controller) = bed.ConnectEnabled();
        var io = bed.NewQpair(3);
        var connect = bed.Connect(io, controller.Cntlid, sqsize: 127);

        Assert.Equal(NvmeStatus.Success, connect.Status);
        Assert.Equal(controller.Cntlid, ConnectResponse.GetCntlid(connect.Dw0));
        Assert.Same(controller, io.Controller);
        Assert.Same(io, controller.GetIoQpair(3));
        Assert.Equal(1, controller.IoQpairCount);
        Assert.Equal(127, io.SqSize);
        Assert.Equal(1, io.EnableCalls);
    }

    [Fact]
    public void Controller_ids_rotate_and_skip_ids_in_use()
    {
        var bed = new NvmfTestBed();
        var (a, _) = bed.ConnectAdmin();
        var (_, second) = bed.ConnectAdmin();
        a.Disconnect();
        var (_, third) = bed.ConnectAdmin();

        Assert.Equal(2, second.Cntlid);
        Assert.Equal(3, third.Cntlid); // SPDK's next_cntlid keeps counting; 1 is only reused after wrapping
        Assert.Equal(new ushort[] { 2, 3 }, bed.Target.Controllers.Select(c => c.Cntlid));
    }

    [Fact]
    public void Short_connect_data_is_invalid_field()
    {
        var bed = new NvmfTestBed();
        var admin = bed.NewQpair(0);
        var connect = bed.Connect(admin, data: NvmfTestBed.ConnectDataBytes(0xFFFF)[..1023]);
        AssertRejected(admin, connect, NvmeStatus.InvalidField);
    }

    [Fact]
    public void Connect_data_must_be_host_to_controller()
    {
        var bed = new NvmfTestBed();
        var admin = bed.NewQpair(0);
        var connect = bed.Execute(admin, new ConnectCommand { Qid = 0, Sqsize = 31 }.ToCommand(), NvmfTestBed.ConnectDataBytes(0xFFFF), NvmeDataTransfer.ControllerToHost);
        AssertRejected(admin, connect, NvmeStatus.InvalidField);
    }

    [Theory]
    [InlineData("nqn.2016-06.io.spdk:cnode2")]
    [InlineData("nqn.2016-06.io.spdk:cnode")]
    [InlineData("")]
    public void Wrong_subnqn_points_at_subnqn(string subNqn)
    {
        var bed = new NvmfTestBed();
        var admin = bed.NewQpair(0);
        var connect = bed.Connect(admin, data: NvmfTestBed.ConnectDataBytes(0xFFFF, subNqn));
        AssertInvalidParameter(admin, connect, inData: true, ConnectData.SubNqnOffset);
    }

    [Fact]
    public void Unterminated_subnqn_points_at_subnqn()
    {
        var bed = new NvmfTestBed();
        var admin = bed.NewQpair(0);
        var data = NvmfTestBed.ConnectDataBytes(0xFFFF);
        data.AsSpan(ConnectData.SubNqnOffset, Nqn.Length).Fill((byte)'a');
        AssertInvalidParameter(admin, bed.Connect(admin, data: data), inData: true, ConnectData.SubNqnOffset);
    }

    [Fact]
    public void Empty_or_unterminated_hostnqn_points_at_hostnqn()
    {
        var bed = new NvmfTestBed();
        var admin = bed.NewQpair(0);
        AssertInvalidParameter(admin, bed.Connect(admin, data: NvmfTestBed.ConnectDataBytes(0xFFFF, hostNqn: "")), true, ConnectData.HostNqnOffset);

        var data = NvmfTestBed.ConnectDataBytes(0xFFFF);
        data.AsSpan(ConnectData.HostNqnOffset, Nqn.Length).Fill((byte)'h');
        AssertInvalidParameter(admin, bed.Connect(admin, data: data), true, ConnectData.HostNqnOffset);
    }

    [Fact]
    public void Subnqn_is_checked_before_hostnqn()
    {
        var bed = new NvmfTestBed();
        var admin = bed.NewQpair(0);
        var connect = bed.Connect(admin, data: NvmfTestBed.ConnectDataBytes(0xFFFF, "nqn.other", hostNqn: ""));
        AssertInvalidParameter(admin, connect, true, ConnectData.SubNqnOffset);
    }

    [Fact]
    public void Nonzero_recfmt_is_incompatible_format()
    {
        var bed = new NvmfTestBed();
        var admin = bed.NewQpair(0);
        AssertRejected(admin, bed.Connect(admin, recfmt: 1), NvmeStatus.ConnectIncompatibleFormat);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(ushort.MaxValue)]
    public void Sqsize_outside_1_to_depth_minus_1_points_at_sqsize(int sqsize)
    {
        var bed = new NvmfTestBed();
        var admin = bed.NewQpair(0, maxQueueDepth: 64);
        AssertInvalidParameter(admin, bed.Connect(admin, sqsize: (ushort)sqsize), inData: false, ConnectCommand.SqsizeOffset);
    }

    [Fact]
    public void Sqsize_of_depth_minus_1_is_accepted()
    {
        var bed = new NvmfTestBed();
        var admin = bed.NewQpair(0, maxQueueDepth: 64);
        Assert.Equal(NvmeStatus.Success, bed.Connect(admin, sqsize: 63).Status);
    }

    [Fact]
    public void Qid_different_from_the_cm_qid_points_at_qid()
    {
        var bed = new NvmfTestBed();
        var admin = bed.NewQpair(0);
        AssertInvalidParameter(admin, bed.Connect(admin, qid: 1), inData: false, ConnectCommand.QidOffset);
    }

    [Fact]
    public void Admin_connect_with_a_static_cntlid_points_at_cntlid()
    {
        var bed = new NvmfTestBed();
        var admin = bed.NewQpair(0);
        AssertInvalidParameter(admin, bed.Connect(admin, cntlid: 1), inData: true, ConnectData.CntlidOffset);
    }

    [Fact]
    public void Controllers_beyond_the_maximum_are_internal_device_error()
    {
        var bed = new NvmfTestBed(new NvmfTargetOptions { ControllersMax = 2 });
        bed.ConnectAdmin();
        bed.ConnectAdmin();
        var admin = bed.NewQpair(0);
        AssertRejected(admin, bed.Connect(admin), NvmeStatus.InternalDeviceError);
    }

    [Fact]
    public void Io_connect_to_an_unknown_cntlid_points_at_cntlid()
    {
        var bed = new NvmfTestBed();
        var (_, controller) = bed.ConnectEnabled();
        var io = bed.NewQpair(1);
        AssertInvalidParameter(io, bed.Connect(io, (ushort)(controller.Cntlid + 1)), inData: true, ConnectData.CntlidOffset);
        AssertInvalidParameter(io, bed.Connect(io, ConnectData.DynamicControllerId), inData: true, ConnectData.CntlidOffset);
    }

    [Fact]
    public void Io_connect_before_the_controller_is_enabled_points_at_qid()
    {
        var bed = new NvmfTestBed();
        var (_, controller) = bed.ConnectAdmin();
        var io = bed.NewQpair(1);
        AssertInvalidParameter(io, bed.Connect(io, controller.Cntlid), inData: false, ConnectCommand.QidOffset);
    }

    [Fact]
    public void Io_connect_needs_64_byte_sqes_and_16_byte_cqes()
    {
        var bed = new NvmfTestBed();
        var (admin, controller) = bed.ConnectAdmin();
        Assert.Equal(NvmeStatus.Success, bed.PropertySet(admin, NvmeProperty.Cc, 1).Status); // EN without IOSQES/IOCQES
        Assert.True(controller.IsReady);
        var io = bed.NewQpair(1);
        AssertInvalidParameter(io, bed.Connect(io, controller.Cntlid), inData: false, ConnectCommand.QidOffset);
    }

    [Fact]
    public void Io_qid_beyond_the_granted_queues_is_invalid_queue_identifier()
    {
        var bed = new NvmfTestBed();
        var (admin, controller) = bed.ConnectEnabled();
        Assert.Equal(NvmeStatus.Success, bed.SetFeature(admin, FeatureId.NumberOfQueues, new NumberOfQueues(1, 1).ToDword()).Status);
        bed.ConnectIo(controller, 2);
        var io = bed.NewQpair(3);
        AssertRejected(io, bed.Connect(io, controller.Cntlid), NvmeStatus.InvalidQueueIdentifier);
    }

    [Fact]
    public void Default_grant_is_the_configured_maximum()
    {
        var bed = new NvmfTestBed(new NvmfTargetOptions { IoQueuesPerControllerMax = 4 });
        var (_, controller) = bed.ConnectEnabled();
        bed.ConnectIo(controller, 4);
        var io = bed.NewQpair(5);
        AssertRejected(io, bed.Connect(io, controller.Cntlid), NvmeStatus.InvalidQueueIdentifier);
    }

    [Fact]
    public void Duplicate_io_qid_waits_one_retry_then_is_invalid_queue_identifier()
    {
        // ctrlr_ut.c:test_connect "I/O connect with duplicate queue ID": held, re-checked once after 1 ms, then refused.
        var bed = new NvmfTestBed();
        var (_, controller) = bed.ConnectEnabled();
        var first = bed.ConnectIo(controller, 1);
        var second = bed.NewQpair(1);
        var connect = bed.ConnectHeld(second, controller.Cntlid);
        Assert.Equal(0, connect.Completions);
        Assert.Equal(1, bed.Target.ConnectRetriesWaiting);

        bed.Clock.NowNs += NvmfTarget.DuplicateQidRetryDelayNs - 1;
        bed.Target.Poll(bed.Clock.NowNs);
        Assert.Equal(0, connect.Completions); // not before the delay

        bed.Clock.NowNs += 1;
        bed.Target.Poll(bed.Clock.NowNs);
        Assert.Equal(1, connect.Completions);
        AssertRejected(second, connect, NvmeStatus.InvalidQueueIdentifier);
        Assert.Same(first, controller.GetIoQpair(1));
        Assert.Equal(0, bed.Target.ConnectRetriesWaiting);
    }

    [Fact]
    public void Commands_before_connect_are_command_sequence_errors()
    {
        var bed = new NvmfTestBed();
        var qpair = bed.NewQpair(0);
        AssertRejected(qpair, bed.Execute(qpair, new KeepAliveCommand().ToCommand()), NvmeStatus.CommandSequenceError);
        AssertRejected(qpair, bed.Execute(qpair, new PropertyGetCommand { Offset = NvmeProperty.Cap }.ToCommand()), NvmeStatus.CommandSequenceError);
        var io = bed.NewQpair(1);
        AssertRejected(io, bed.Read(io, 0, 1), NvmeStatus.CommandSequenceError);
    }

    [Fact]
    public void Connect_on_a_connected_qpair_is_invalid_opcode()
    {
        var bed = new NvmfTestBed();
        var (admin, io, controller) = bed.ConnectAll();
        Assert.Equal(NvmeStatus.InvalidOpcode, bed.Connect(admin).Status);
        Assert.Equal(NvmeStatus.InvalidOpcode, bed.Connect(io, controller.Cntlid).Status);
        Assert.Single(bed.Target.Controllers);
    }

    [Fact]
    public void Short_sqe_is_invalid_field()
    {
        var bed = new NvmfTestBed();
        var qpair = bed.NewQpair(0);
        var request = new FakeNvmfRequest(qpair, new byte[10], NvmeDataTransfer.None, Array.Empty<byte>());
        bed.Target.Execute(request);
        Assert.Equal(1, request.Completions);
        Assert.Equal(NvmeStatus.InvalidField, request.Status);
    }

    private static void AssertRejected(FakeQpair qpair, FakeNvmfRequest connect, NvmeStatus expected)
    {
        Assert.Equal(expected, connect.Status);
        Assert.Null(qpair.Controller);
        Assert.Equal(0, qpair.EnableCalls);
    }

    private static void AssertInvalidParameter(FakeQpair qpair, FakeNvmfRequest connect, bool inData, ushort offset)
    {
        AssertRejected(qpair, connect, NvmeStatus.ConnectInvalidParameters);
        ConnectResponse.ReadInvalidParameter(connect.Dw0, out var iattr, out var ipo);
        Assert.Equal(inData, iattr);
        Assert.Equal(offset, ipo);
    }
}
