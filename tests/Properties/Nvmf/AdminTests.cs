using System.Buffers.Binary;
using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>Admin commands: Identify contents, features, the error log, and the admin rejection paths.</summary>
public sealed class AdminTests
{
    [Fact]
    public void Identify_controller_reports_what_the_target_enforces()
    {
        var options = new NvmfTargetOptions { SerialNumber = "SN-42", ModelNumber = "Harness NVMe-oF", FirmwareRevision = "1.2", IoBytesMax = 131_072, InCapsuleDataBytes = 8192, QueueDepthMax = 64 };
        var bed = new NvmfTestBed(options);
        var (admin, controller) = bed.ConnectEnabled();
        var identify = bed.Identify(admin, IdentifyCns.Controller);

        Assert.Equal(NvmeStatus.Success, identify.Status);
        Assert.Equal(NvmeStatus.Success, IdentifyControllerData.TryDecode(identify.Data, out var data));
        Assert.Equal(0x8086, data.Vid);
        Assert.Equal(0x8086, data.Ssvid);
        Assert.Equal("SN-42", data.SerialNumber.ToString());
        Assert.Equal("Harness NVMe-oF", data.ModelNumber.ToString());
        Assert.Equal("1.2", data.FirmwareRevision.ToString());
        Assert.Equal(5, data.Mdts); // 2^5 × 4 KiB = 128 KiB
        Assert.Equal(controller.Cntlid, data.Cntlid);
        Assert.Equal(NvmeVersion.V2_0, data.Version);
        Assert.Equal(1, data.ControllerType);
        Assert.Equal(0x100005u, data.Sgls); // supported, keyed SGL data block, SGL offset
        Assert.Equal((64u + 8192) / 16, data.Ioccsz);
        Assert.Equal(8192u, data.InCapsuleDataSize);
        Assert.Equal(1u, data.Iorcsz);
        Assert.Equal(0, data.Icdoff);
        Assert.Equal(0, data.Ctrattr); // dynamic controller model
        Assert.Equal(16, data.Msdbd);
        Assert.Equal(1u, data.Nn);
        Assert.Equal(64, data.Maxcmd);
        Assert.Equal(0x66, data.Sqes);
        Assert.Equal(0x44, data.Cqes);
        Assert.Equal(100, data.Kas); // 10 s granularity
        Assert.Equal(0x0D, data.Oncs); // Compare + DSM + Write Zeroes
        Assert.Equal(1, data.Fuses); // Compare and Write
        Assert.Equal(127, data.Elpe);
        Assert.Equal(NvmfTargetOptions.DefaultSubNqn, data.SubNqn.ToString());
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(identify.Data.AsSpan(96))); // CTRATT.HIDS
    }

    [Fact]
    public void Identify_controller_reports_msdbd_1_when_configured()
    {
        var bed = new NvmfTestBed(new NvmfTargetOptions { SglDescriptorsMax = 1 });
        var (admin, _) = bed.ConnectEnabled();
        IdentifyControllerData.TryDecode(bed.Identify(admin, IdentifyCns.Controller).Data, out var data);
        Assert.Equal(1, data.Msdbd);
    }

    [Theory]
    [InlineData(4096u, 12)]
    [InlineData(512u, 9)]
    public void Identify_namespace_reports_size_in_blocks_and_lbads(uint blockSize, byte lbads)
    {
        var bed = new NvmfTestBed(new NvmfTargetOptions { BlockSize = blockSize, NamespaceBytes = 1L << 40 });
        var (admin, _) = bed.ConnectEnabled();
        var identify = bed.Identify(admin, IdentifyCns.Namespace, NvmfTarget.NamespaceId);

        Assert.Equal(NvmeStatus.Success, identify.Status);
        Assert.Equal(NvmeStatus.Success, IdentifyNamespaceData.TryDecode(identify.Data, out var ns));
        var blocks = (1UL << 40) / blockSize;
        Assert.Equal(blocks, ns.Nsze);
        Assert.Equal(blocks, ns.Ncap);
        Assert.Equal(blocks, ns.Nuse);
        Assert.Equal(0, ns.Nlbaf);
        Assert.Equal(0, ns.Flbas);
        Assert.Equal(lbads, ns.ActiveLbaFormat.Lbads);
        Assert.Equal(blockSize, ns.BlockSize);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(2u)]
    [InlineData(0xFFFFFFFFu)]
    public void Identify_namespace_of_any_other_nsid_is_invalid_namespace(uint nsid)
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectEnabled();
        Assert.Equal(NvmeStatus.InvalidNamespaceOrFormat, bed.Identify(admin, IdentifyCns.Namespace, nsid).Status);
        Assert.Equal(NvmeStatus.InvalidNamespaceOrFormat, bed.Identify(admin, IdentifyCns.NamespaceIdDescriptorList, nsid).Status);
    }

    [Fact]
    public void Active_namespace_list_names_nsid_1_above_the_start()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectEnabled();
        var fromZero = bed.Identify(admin, IdentifyCns.ActiveNamespaceList, 0);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(fromZero.Data));
        Assert.All(fromZero.Data.Skip(4), b => Assert.Equal(0, b));

        var fromOne = bed.Identify(admin, IdentifyCns.ActiveNamespaceList, 1);
        Assert.All(fromOne.Data, b => Assert.Equal(0, b));
        Assert.Equal(NvmeStatus.InvalidNamespaceOrFormat, bed.Identify(admin, IdentifyCns.ActiveNamespaceList, 0xFFFFFFFE).Status);
    }

    [Fact]
    public void Identify_needs_4096_bytes_a_known_cns_and_pads_longer_buffers_with_zeroes()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectEnabled();
        Assert.Equal(NvmeStatus.InvalidField, bed.Identify(admin, IdentifyCns.Controller, length: 4095).Status);
        Assert.Equal(NvmeStatus.InvalidField, bed.Identify(admin, (IdentifyCns)0x1F).Status);

        var longer = new byte[8192];
        longer.AsSpan().Fill(0xEE);
        var identify = bed.Execute(admin, new IdentifyCommand { Cns = IdentifyCns.Controller }.ToCommand(), longer);
        Assert.Equal(NvmeStatus.Success, identify.Status);
        Assert.All(longer.Skip(4096), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Number_of_queues_grants_the_smaller_of_request_and_maximum()
    {
        var bed = new NvmfTestBed(new NvmfTargetOptions { IoQueuesPerControllerMax = 8 });
        var (admin, controller) = bed.ConnectEnabled();
        Assert.Equal(new NumberOfQueues(7, 7).ToDword(), bed.GetFeature(admin, FeatureId.NumberOfQueues).Dw0);

        var set = bed.SetFeature(admin, FeatureId.NumberOfQueues, new NumberOfQueues(3, 100).ToDword());
        Assert.Equal(NvmeStatus.Success, set.Status);
        Assert.Equal(new NumberOfQueues(3, 7).ToDword(), set.Dw0);
        Assert.Equal(4, controller.IoQueuesGranted);
        Assert.Equal(set.Dw0, bed.GetFeature(admin, FeatureId.NumberOfQueues).Dw0);

        Assert.Equal(NvmeStatus.InvalidField, bed.SetFeature(admin, FeatureId.NumberOfQueues, 0xFFFF).Status);
        bed.ConnectIo(controller);
        Assert.Equal(NvmeStatus.CommandSequenceError, bed.SetFeature(admin, FeatureId.NumberOfQueues, 0).Status);
    }

    [Theory]
    [InlineData(1u, 10_000L)] // below min_kato
    [InlineData(10_000u, 10_000L)]
    [InlineData(10_001u, 20_000L)] // rounded up to the 10 s granularity
    [InlineData(120_000u, 120_000L)]
    public void Keep_alive_timer_feature_rounds_like_spdk(uint kato, long expected)
    {
        var bed = new NvmfTestBed();
        var (admin, controller) = bed.ConnectEnabled(kato: 30_000);
        Assert.Equal(NvmeStatus.Success, bed.SetFeature(admin, FeatureId.KeepAliveTimer, kato).Status);
        Assert.Equal(expected, controller.KeepAliveTimeoutMs);
        Assert.Equal((uint)expected, bed.GetFeature(admin, FeatureId.KeepAliveTimer).Dw0);
    }

    [Fact]
    public void Feature_rejections()
    {
        var bed = new NvmfTestBed();
        var (admin, controller) = bed.ConnectEnabled(kato: 30_000);
        Assert.Equal(NvmeStatus.KeepAliveInvalid, bed.SetFeature(admin, FeatureId.KeepAliveTimer, 0).Status);
        Assert.Equal(30_000, controller.KeepAliveTimeoutMs);
        Assert.Equal(NvmeStatus.FeatureIdNotSaveable, bed.SetFeature(admin, FeatureId.KeepAliveTimer, 20_000, save: true).Status);
        Assert.Equal(NvmeStatus.InvalidField, bed.SetFeature(admin, FeatureId.Arbitration, 0).Status);
        Assert.Equal(NvmeStatus.InvalidField, bed.GetFeature(admin, (FeatureId)0x77).Status);
        Assert.Equal(NvmeStatus.InvalidNamespaceOrFormat, bed.GetFeature(admin, FeatureId.NumberOfQueues, nsid: 2).Status);
        Assert.Equal(NvmeStatus.FeatureNotNamespaceSpecific, bed.SetFeature(admin, FeatureId.NumberOfQueues, 0, nsid: 1).Status);
        Assert.Equal(NvmeStatus.Success, bed.GetFeature(admin, FeatureId.NumberOfQueues, nsid: 0xFFFFFFFF).Status);

        var reservedSel = new FeaturesCommand { Opcode = NvmeAdminOpcode.GetFeatures, FeatureId = (byte)FeatureId.NumberOfQueues }.ToCommand();
        reservedSel.Cdw10 |= 5 << 8;
        Assert.Equal(NvmeStatus.InvalidField, bed.Execute(admin, reservedSel).Status);
    }

    [Fact]
    public void Async_event_configuration_is_stored()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectEnabled();
        Assert.Equal(NvmeStatus.Success, bed.SetFeature(admin, FeatureId.AsyncEventConfiguration, 0x100).Status);
        Assert.Equal(0x100u, bed.GetFeature(admin, FeatureId.AsyncEventConfiguration).Dw0);
    }

    [Theory]
    [InlineData((byte)NvmeAdminOpcode.CreateIoSq)]
    [InlineData((byte)NvmeAdminOpcode.DeleteIoCq)]
    [InlineData((byte)0x80)] // Format NVM
    [InlineData((byte)0xC0)] // vendor specific
    public void Unsupported_admin_opcodes_are_invalid_opcode(byte opcode)
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectEnabled();
        Assert.Equal(NvmeStatus.InvalidOpcode, bed.Execute(admin, NvmeCommand.Create(opcode, 0)).Status);
    }

    [Fact]
    public void Admin_rejections_before_dispatch()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectEnabled();
        Assert.Equal(NvmeStatus.InvalidField, bed.Execute(admin, NvmeCommand.Create((byte)NvmeAdminOpcode.KeepAlive, 0, nsid: 1)).Status);
        var fused = new IdentifyCommand { Cns = IdentifyCns.Controller }.ToCommand();
        fused.Fuse = FusedOperation.First;
        Assert.Equal(NvmeStatus.InvalidField, bed.Execute(admin, fused, new byte[4096]).Status);
        var abort = bed.Execute(admin, NvmeCommand.Create((byte)NvmeAdminOpcode.Abort, 0));
        Assert.Equal(NvmeStatus.Success, abort.Status);
        Assert.Equal(1u, abort.Dw0 & 1); // not aborted: no such command is held
    }

    [Fact]
    public void Async_event_requests_are_held_up_to_the_limit_aborted_by_abort_and_ended_with_the_admin_qpair()
    {
        // SPDK HEAD (ctrlr.c:nvmf_ctrlr_async_event_request): up to SPDK_NVMF_MAX_ASYNC_EVENTS AERs wait for an event;
        // one more is ASYNC EVENT REQUEST LIMIT EXCEEDED; Abort names one (SQID 0, CID); the admin qpair's end frees them.
        var bed = new NvmfTestBed();
        var (admin, controller) = bed.ConnectEnabled();
        var aers = Enumerable.Range(0, NvmfController.AsyncEventsMax + 1).Select(i => SubmitAer(bed, admin, (ushort)(100 + i))).ToArray();
        Assert.All(aers[..^1], a => Assert.Equal(0, a.Completions));
        Assert.Equal(1, aers[^1].Completions);
        Assert.Equal(NvmeStatus.AsyncEventRequestLimitExceeded, aers[^1].Status);
        Assert.Equal(NvmfController.AsyncEventsMax, controller.AerCount);

        var abort = bed.Execute(admin, new NvmeCommand { Opcode = (byte)NvmeAdminOpcode.Abort, Cdw10 = 101u << 16 });
        Assert.Equal(0u, abort.Dw0 & 1); // aborted
        Assert.Equal(1, aers[1].Completions);
        Assert.Equal(NvmeStatus.AbortedByRequest, aers[1].Status);

        bed.Target.OnQpairDisconnect(admin);
        Assert.All(aers[..^1], a => Assert.Equal(1, a.Completions));
        Assert.All(new[] { aers[0], aers[2], aers[3] }, a => Assert.Equal(NvmeStatus.AbortedSqDeletion, a.Status));
        Assert.Equal(0, controller.AerCount);
    }

    private static FakeNvmfRequest SubmitAer(NvmfTestBed bed, FakeQpair admin, ushort cid)
    {
        var sqe = new byte[NvmeCommand.Size];
        new NvmeCommand { Opcode = (byte)NvmeAdminOpcode.AsyncEventRequest, Cid = cid }.Encode(sqe);
        var request = new FakeNvmfRequest(admin, sqe, NvmeDataTransfer.None, []);
        bed.Target.Execute(request);
        return request;
    }

    [Fact]
    public void Error_log_keeps_failed_commands_newest_first()
    {
        var bed = new NvmfTestBed();
        var (admin, io, controller) = bed.ConnectAll();
        var first = bed.Identify(admin, (IdentifyCns)0x55);
        var second = bed.Read(io, bed.Target.Namespace.BlockCount, 1);
        Assert.Equal(NvmeStatus.Success, bed.KeepAlive(admin).Status); // successes are not logged

        var log = bed.GetLogPage(admin, (byte)LogPageId.Error, 3 * ErrorInformationLogEntry.Size);
        Assert.Equal(NvmeStatus.Success, log.Status);
        ErrorInformationLogEntry.TryDecode(log.Data, out var newest);
        ErrorInformationLogEntry.TryDecode(log.Data.AsSpan(64), out var older);
        ErrorInformationLogEntry.TryDecode(log.Data.AsSpan(128), out var none);

        Assert.Equal(2UL, newest.ErrorCount);
        Assert.Equal(1, newest.Sqid);
        Assert.Equal(second.Status, newest.Status);
        Assert.Equal(bed.Target.Namespace.BlockCount, newest.Lba);
        Assert.Equal(1u, newest.Nsid);
        Assert.Equal(NvmfErrorLog.TransportTypeRdma, newest.TransportType);
        Assert.Equal(1UL, older.ErrorCount);
        Assert.Equal(0, older.Sqid);
        Assert.Equal(NvmeStatus.InvalidField, older.Status);
        Assert.Equal(first.Status, older.Status);
        Assert.Equal(0UL, none.ErrorCount); // unused entries are zero
        Assert.Equal(2, controller.ErrorLog.Count);
    }

    [Fact]
    public void Error_log_is_a_bounded_ring()
    {
        var bed = new NvmfTestBed(new NvmfTargetOptions { ErrorLogEntriesMax = 4 });
        var (admin, controller) = bed.ConnectEnabled();
        var cids = new List<ushort>();
        for (var i = 0; i < 10; i++)
        {
            var cmd = NvmeCommand.Create(0xC1, (ushort)(100 + i));
            bed.Execute(admin, cmd);
            cids.Add(cmd.Cid);
        }

        Assert.Equal(4, controller.ErrorLog.Count);
        Assert.Equal(10UL, controller.ErrorLog.ErrorCount);
        var log = bed.GetLogPage(admin, (byte)LogPageId.Error, 4 * 64);
        for (var i = 0; i < 4; i++)
        {
            ErrorInformationLogEntry.TryDecode(log.Data.AsSpan(i * 64), out var entry);
            Assert.Equal((ulong)(10 - i), entry.ErrorCount);
            Assert.Equal(cids[9 - i], entry.Cid);
        }

        var tail = bed.GetLogPage(admin, (byte)LogPageId.Error, 64, offset: 64 * 3);
        ErrorInformationLogEntry.TryDecode(tail.Data, out var oldest);
        Assert.Equal(7UL, oldest.ErrorCount);
    }

    [Fact]
    public void Get_log_page_rejections()
    {
        var bed = new NvmfTestBed();
        var (admin, _) = bed.ConnectEnabled();
        Assert.Equal(NvmeStatus.InvalidLogPage, bed.GetLogPage(admin, 0x7E, 512).Status);
        Assert.Equal(NvmeStatus.InvalidLogPage, bed.GetLogPage(admin, (byte)LogPageId.Discovery, 512).Status);
        Assert.Equal(NvmeStatus.InvalidField, bed.GetLogPage(admin, (byte)LogPageId.Error, 64, offset: 2).Status);
        Assert.Equal(NvmeStatus.InvalidField, bed.GetLogPage(admin, (byte)LogPageId.Error, 128, bufferBytes: 64).Status);
        Assert.Equal(NvmeStatus.InvalidField, bed.GetLogPage(admin, (byte)LogPageId.Error, 64, nsid: 1).Status);
        Assert.Equal(NvmeStatus.InvalidField, bed.GetLogPage(admin, (byte)LogPageId.Error, 64, offset: 1UL << 40).Status);
        Assert.Equal(NvmeStatus.Success, bed.GetLogPage(admin, (byte)LogPageId.HealthInformation, 512, nsid: 1).Status);
        var firmware = bed.GetLogPage(admin, (byte)LogPageId.FirmwareSlot, 512);
        Assert.Equal(1, firmware.Data[0]);
        Assert.Equal(bed.Options.FirmwareRevision, NvmeText8.Read(firmware.Data.AsSpan(8)).ToString());
    }
}
