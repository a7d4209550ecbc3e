using Harness.Transport.Invariants;
using System.Buffers.Binary;
using Harness.Transport.Nvme;
using Harness.Transport.Target;

namespace Harness.Transport.Nvmf;

/// <summary>Admin commands: SPDK's <c>nvmf_ctrlr_process_admin_cmd</c> and the handlers it dispatches to.</summary>
public sealed partial class NvmfTarget
{
    /// <summary>Identify CTRATT (bytes 96..99, not in the codec's structure); SPDK sets HIDS (128-bit host identifier).</summary>
    private const int CtrattOffset = 96;

    private const uint CtrattHostIdentifier128 = 0x1;

    /// <summary>Identify SGLS: SGLs supported (bits 1:0 = 01b), keyed SGL data block (bit 2), SGL offset (bit 20), as SPDK.</summary>
    private const uint SglSupport = 0x1 | (1u << 2) | (1u << 20);

    /// <summary>Identify ONCS: Dataset Management (bit 2) and Write Zeroes (bit 3).</summary>
    private const ushort OncsDsmAndWriteZeroes = (1 << 2) | (1 << 3);

    /// <summary>ONCS bit 0: Compare (HEAD's transport default sets every ONCS bit, ctrlr.c:392, transport.c:862).</summary>
    private const ushort OncsCompare = 1 << 0;

    /// <summary>FUSES bit 0: Compare and Write (HEAD's default, ctrlr.c:399 from transport.c:863).</summary>
    private const ushort FusesCompareAndWrite = 1 << 0;

    /// <summary>Identify VWC: no volatile write cache; Flush with NSID FFFFFFFFh not supported (bits 2:1 = 10b), as SPDK.</summary>
    private const byte VwcNoCacheNoBroadcast = 2 << 1;

    /// <summary>PCI vendor ID SPDK reports (Intel).</summary>
    private const ushort VendorIdIntel = 0x8086;

    /// <summary>Abort Command Limit SPDK reports (0's based).</summary>
    private const byte AbortCommandLimit = 3;

    private const int HealthLogBytes = 512;
    private const int FirmwareSlotLogBytes = 512;
    private const int ChangedNamespaceLogBytes = 4096;

    private NvmfResult Admin(INvmfRequest request, NvmfController controller, in NvmeCommand cmd)
    {
        if (cmd.Fuse != FusedOperation.None || (IsControllerScopeOpcode(cmd.Opcode) && cmd.Nsid != 0))
        {
            return NvmeStatus.InvalidField; // fused admin commands, or an NSID on a controller-scope command
        }

        if (!controller.Cc.Enable)
        {
            return NvmeStatus.CommandSequenceError; // "Admin command sent to disabled controller"
        }

        switch ((NvmeAdminOpcode)cmd.Opcode)
        {
            case NvmeAdminOpcode.Identify:
                return Identify(request, controller, cmd);
            case NvmeAdminOpcode.GetLogPage:
                return GetLogPage(request, controller, cmd);
            case NvmeAdminOpcode.GetFeatures:
            case NvmeAdminOpcode.SetFeatures:
                return Features(controller, cmd);
            case NvmeAdminOpcode.KeepAlive:
                controller.LastKeepAliveNs = _clock.NowNs; // SPDK resets the timer on Keep Alive only
                return NvmfResult.Ok;
            case NvmeAdminOpcode.Abort:
                return Abort(controller, cmd);
            case NvmeAdminOpcode.AsyncEventRequest:
                // nvmf_ctrlr_async_event_request (ctrlr.c:2333): held until an event (none is raised here) or until the
                // admin qpair goes; beyond SPDK_NVMF_MAX_ASYNC_EVENTS, ASYNC EVENT REQUEST LIMIT EXCEEDED.
                return controller.TryHoldAer(request) ? NvmfResult.Held : NvmeStatus.AsyncEventRequestLimitExceeded;
            default:
                return NvmeStatus.InvalidOpcode; // incl. Create/Delete I/O SQ/CQ, not allowed on fabrics
        }
    }

    /// <summary>
    /// The Abort command (<c>nvmf_ctrlr_abort</c>, ctrlr.c:3961; DW0 starts at 1, "not aborted"). A held AER on the admin
    /// queue (SQID 0) named by CID is completed ABORTED - BY REQUEST and DW0 bit 0 is cleared at once
    /// (<c>nvmf_qpair_abort_aer</c>, ctrlr.c:3817: HEAD reaches it on the admin qpair's thread, which is this one). Any
    /// other command is the transport's (<c>nvmf_transport_qpair_abort_request</c>): the Abort is held and handed to it
    /// after the lock is released (<see cref="Execute"/>); it completes the Abort later.
    /// </summary>
    private NvmfResult Abort(NvmfController controller, in NvmeCommand cmd)
    {
        var sqid = (ushort)(cmd.Cdw10 & 0xFFFF);
        var cid = (ushort)(cmd.Cdw10 >> 16);
        if (sqid == 0 && controller.TakeAer(cid) is { } aer)
        {
            aer.Complete(NvmeStatus.AbortedByRequest, 0);
            return NvmfResult.Dword(0);
        }

        Check.That(!_abortPending, InvariantNames.StateTransition, this, t => $"{t}: a second Abort handed over in one Execute");
        _abortPending = true;
        _abortSqid = sqid;
        _abortCid = cid;
        AbortsToTransport++;
        return NvmfResult.Held;
    }

    /// <summary>SPDK's <c>is_cmd_ctrlr_specific</c>: commands whose NSID must be 0.</summary>
    private static bool IsControllerScopeOpcode(byte opcode) => opcode switch
    {
        0x00 or 0x01 or 0x04 or 0x05 => true, // Delete/Create I/O SQ/CQ
        0x08 or 0x0C => true, // Abort, Asynchronous Event Request
        0x10 or 0x11 => true, // Firmware Commit, Firmware Image Download
        0x18 => true, // Keep Alive
        0x1C or 0x1D or 0x1E => true, // Virtualization Management, NVMe-MI Send/Receive
        0x7C or 0x84 => true, // Doorbell Buffer Config, Sanitize
        _ => false,
    };

    private NvmfResult Identify(INvmfRequest request, NvmfController controller, in NvmeCommand cmd)
    {
        IdentifyCommand.TryFrom(cmd, out var identify);
        if (DataLength(request, NvmeDataTransfer.ControllerToHost) < IdentifyCommand.DataSize)
        {
            return NvmeStatus.InvalidField; // "identify command with invalid buffer"
        }

        var page = _scratch.AsSpan(0, IdentifyCommand.DataSize);
        page.Clear();
        switch (identify.Cns)
        {
            case IdentifyCns.Namespace when identify.Nsid == NamespaceId:
                BuildNamespaceData().Encode(page);
                break;
            case IdentifyCns.Namespace:
            case IdentifyCns.NamespaceIdDescriptorList when identify.Nsid != NamespaceId:
                return NvmeStatus.InvalidNamespaceOrFormat; // NN = 1: no other NSID is valid (none is merely inactive)
            case IdentifyCns.NamespaceIdDescriptorList:
                break; // an empty descriptor list
            case IdentifyCns.Controller:
                BuildControllerData(controller).Encode(page);
                BinaryPrimitives.WriteUInt32LittleEndian(page[CtrattOffset..], CtrattHostIdentifier128);
                break;
            case IdentifyCns.ActiveNamespaceList when identify.Nsid >= BroadcastNamespaceId - 1:
                return NvmeStatus.InvalidNamespaceOrFormat;
            case IdentifyCns.ActiveNamespaceList:
                BinaryPrimitives.WriteUInt32LittleEndian(page, identify.Nsid < NamespaceId ? NamespaceId : 0);
                break;
            default:
                return NvmeStatus.InvalidField; // unsupported CNS
        }

        return CopyOut(request, page);
    }

    private IdentifyNamespaceData BuildNamespaceData() => new()
    {
        Nsze = Namespace.BlockCount,
        Ncap = Namespace.BlockCount,
        Nuse = Namespace.BlockCount, // SPDK reports the whole namespace as utilized
        Nlbaf = 0,
        Flbas = 0,
        ActiveLbaFormat = new LbaFormat { Lbads = (byte)System.Numerics.BitOperations.Log2(Namespace.BlockSize) },
    };

    private IdentifyControllerData BuildControllerData(NvmfController controller) => new()
    {
        Vid = VendorIdIntel,
        Ssvid = VendorIdIntel,
        SerialNumber = _serialNumber,
        ModelNumber = _modelNumber,
        FirmwareRevision = _firmwareRevision,
        Cmic = 0x3, // multiple ports, multiple controllers
        Mdts = (byte)System.Numerics.BitOperations.Log2((uint)(Options.IoBytesMax / 4096)), // units of CAP.MPSMIN = 4 KiB
        Cntlid = controller.Cntlid,
        Version = Version,
        ControllerType = 1, // I/O controller
        Acl = AbortCommandLimit,
        Aerl = NvmfController.AsyncEventsMax - 1, // 0's based, as SPDK (ctrlr.c:382)
        Lpa = 0x4, // extended data for Get Log Page (64-bit offset, NUMDU)
        Elpe = (byte)(Options.ErrorLogEntriesMax - 1),
        Kas = (ushort)(Options.KeepAliveGranularityMs / NvmfTargetOptions.KeepAliveUnitMs),
        Sqes = 0x66,
        Cqes = 0x44,
        Maxcmd = (ushort)Options.QueueDepthMax,
        Nn = NamespaceId,
        Oncs = OncsDsmAndWriteZeroes | OncsCompare,
        Fuses = FusesCompareAndWrite,
        Vwc = VwcNoCacheNoBroadcast,
        Sgls = SglSupport,
        SubNqn = _subNqn,
        Ioccsz = (uint)((NvmeCommand.Size + Options.InCapsuleDataBytes) / 16),
        Iorcsz = NvmeCompletion.Size / 16,
        Icdoff = 0,
        Ctrattr = 0, // dynamic controller model
        Msdbd = (byte)Options.SglDescriptorsMax,
    };

    private NvmfResult GetLogPage(INvmfRequest request, NvmfController controller, in NvmeCommand cmd)
    {
        GetLogPageCommand.TryFrom(cmd, out var log);
        var length = DataLength(request, NvmeDataTransfer.ControllerToHost);
        if (length == 0 || (log.Offset & 3) != 0 || log.ByteCount > length)
        {
            return NvmeStatus.InvalidField; // no buffer, unaligned offset, or NUMD beyond the buffer
        }

        var controllerScope = log.Nsid != 0 && log.Nsid != BroadcastNamespaceId;
        var page = _scratch.AsSpan();
        int pageBytes;
        switch ((LogPageId)log.LogPageId)
        {
            case LogPageId.Error when !controllerScope:
                pageBytes = controller.ErrorLog.PageBytes;
                controller.ErrorLog.WritePage(page);
                break;
            case LogPageId.HealthInformation:
                pageBytes = HealthLogBytes;
                page[..pageBytes].Clear(); // SPDK: "TODO: actually fill out log page data"
                break;
            case LogPageId.FirmwareSlot when !controllerScope:
                pageBytes = FirmwareSlotLogBytes;
                page[..pageBytes].Clear();
                page[0] = 1; // AFI: slot 1 active
                _firmwareRevision.Write(page[8..]); // FRS1
                break;
            case LogPageId.ChangedNamespaceList when !controllerScope:
                pageBytes = ChangedNamespaceLogBytes;
                page[..pageBytes].Clear(); // namespaces never change
                break;
            case LogPageId.Error:
            case LogPageId.FirmwareSlot:
            case LogPageId.ChangedNamespaceList:
                return NvmeStatus.InvalidField; // a controller-scope page asked for one namespace
            default:
                return NvmeStatus.InvalidLogPage;
        }

        if (log.Offset > (ulong)pageBytes)
        {
            return NvmeStatus.InvalidField;
        }

        var start = (int)log.Offset;
        return CopyOut(request, page.Slice(start, (int)Math.Min(log.ByteCount, (ulong)(pageBytes - start))));
    }

    private NvmfResult Features(NvmfController controller, in NvmeCommand cmd)
    {
        var status = FeaturesCommand.TryFrom(cmd, out var features);
        if (status.IsError)
        {
            return status; // reserved SEL
        }

        if (features.IsSet && features.Save)
        {
            return NvmeStatus.FeatureIdNotSaveable;
        }

        if (features.Nsid > NamespaceId && features.Nsid != BroadcastNamespaceId)
        {
            return NvmeStatus.InvalidNamespaceOrFormat;
        }

        if (features.IsSet && features.Nsid == NamespaceId)
        {
            return NvmeStatus.FeatureNotNamespaceSpecific; // every feature here has controller scope
        }

        return (FeatureId)features.FeatureId switch
        {
            FeatureId.NumberOfQueues => features.IsSet
                ? SetNumberOfQueues(controller, features.Cdw11)
                : NvmfResult.Dword(controller.QueuesGranted.ToDword()),
            FeatureId.KeepAliveTimer => features.IsSet
                ? SetKeepAliveTimer(controller, features.Cdw11)
                : NvmfResult.Dword((uint)Math.Min(controller.KeepAliveTimeoutMs, uint.MaxValue)),
            FeatureId.AsyncEventConfiguration => SetOrGetAsyncEventConfiguration(controller, features),
            _ => NvmeStatus.InvalidField, // unsupported feature
        };
    }

    /// <summary>Grants min(requested, configured) submission and completion queues; refused once I/O queues exist.</summary>
    private NvmfResult SetNumberOfQueues(NvmfController controller, uint cdw11)
    {
        if (NumberOfQueues.TryFromRequest(cdw11, out var requested).IsError)
        {
            return NvmeStatus.InvalidField;
        }

        if (controller.IoQpairCount > 0)
        {
            return NvmeStatus.CommandSequenceError; // "Queue pairs already active!"
        }

        var most = (ushort)(Options.IoQueuesPerControllerMax - 1);
        controller.QueuesGranted = new NumberOfQueues(
            Math.Min(requested.SubmissionQueues, most), Math.Min(requested.CompletionQueues, most));
        return NvmfResult.Dword(controller.QueuesGranted.ToDword());
    }

    /// <summary>SPDK's <c>nvmf_ctrlr_set_features_keep_alive_timer</c>: 0 is KEEP ALIVE INVALID; the timer is not reset.</summary>
    private NvmfResult SetKeepAliveTimer(NvmfController controller, uint kato)
    {
        if (Options.KeepAliveGranularityMs == 0)
        {
            return NvmeStatus.InvalidField; // KAS = 0: keep alive not supported
        }

        if (kato == 0)
        {
            return NvmeStatus.KeepAliveInvalid;
        }

        controller.KeepAliveTimeoutMs = RoundKeepAliveTimeoutMs(kato);
        controller.KeepAliveStopped = false;
        StartKeepAliveTimer(controller, resetLastKeepAlive: false); // re-registered with the new period (ctrlr.c:2157)
        controller.Thread?.Notify(); // a shorter period moves the poller's next run earlier
        return NvmfResult.Ok;
    }

    private static NvmfResult SetOrGetAsyncEventConfiguration(NvmfController controller, in FeaturesCommand features)
    {
        if (features.IsSet)
        {
            controller.AsyncEventConfiguration = features.Cdw11;
            return NvmfResult.Ok;
        }

        return NvmfResult.Dword(controller.AsyncEventConfiguration);
    }
}
