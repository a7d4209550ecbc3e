using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Target;

namespace Harness.Transport.Nvmf;

/// <summary>Fabrics Connect: SPDK's <c>nvmf_ctrlr_cmd_connect</c>, <c>_nvmf_ctrlr_connect</c>, <c>nvmf_ctrlr_create</c>, <c>_nvmf_ctrlr_add_io_qpair</c> and <c>nvmf_ctrlr_add_qpair</c> with its duplicate-QID re-check.</summary>
public sealed partial class NvmfTarget
{
    /// <summary>CC.IOSQES an I/O queue connect requires (64-byte SQEs).</summary>
    private const byte IoSqEntrySizeLog2 = 6;

    /// <summary>CC.IOCQES an I/O queue connect requires (16-byte CQEs).</summary>
    private const byte IoCqEntrySizeLog2 = 4;

    /// <summary>Delay before an I/O CONNECT whose QID is still taken is checked again (<c>DUPLICATE_QID_RETRY_US</c>, ctrlr.c:27).</summary>
    public const long DuplicateQidRetryDelayNs = 1_000_000;

    /// <summary>
    /// Re-checks of a duplicate QID before the CONNECT fails: one (ctrlr.c:300, a CONNECT that already waited once,
    /// <c>qpair-&gt;connect_req != NULL</c>, fails).
    /// </summary>
    public const int DuplicateQidRetriesMax = 1;

    /// <summary>
    /// Checks in SPDK's order: Connect data length; SUBNQN; HOSTNQN; RECFMT; SQSIZE (1 .. queue depth − 1); QID equal
    /// to the qpair's (from the RDMA CM private data); then the admin or I/O specific checks.
    /// </summary>
    private NvmfResult Connect(INvmfRequest request, in NvmeCommand cmd)
    {
        ConnectCommand.TryFrom(cmd, out var connect); // the RECFMT status is checked below, in SPDK's order
        var result = ReadConnectData(request, out var data);
        if (result.Status.IsError)
        {
            return result;
        }

        if (connect.Recfmt != 0)
        {
            return NvmeStatus.ConnectIncompatibleFormat;
        }

        var qpair = request.Qpair;
        if (connect.Sqsize == 0 || connect.Sqsize >= qpair.MaxQueueDepth)
        {
            return NvmfResult.InvalidParameter(false, ConnectCommand.SqsizeOffset);
        }

        qpair.OnConnectReceived(); // ctrlr.c:_nvmf_ctrlr_connect:938, right after the SQSIZE checks

        if (connect.Qid != qpair.Qid)
        {
            return NvmfResult.InvalidParameter(false, ConnectCommand.QidOffset);
        }

        return connect.Qid == 0 ? ConnectAdmin(qpair, connect, data) : ConnectIo(request, connect, data);
    }

    private NvmfResult ReadConnectData(INvmfRequest request, out ConnectData data)
    {
        data = default;
        var buffer = _scratch.AsSpan(0, ConnectData.Size);
        if (DataLength(request, NvmeDataTransfer.HostToController) < ConnectData.Size
            || request.CopyFromData(0, buffer) != ConnectData.Size)
        {
            return NvmeStatus.InvalidField; // SPDK: "Connect command data length too small"
        }

        ConnectData.TryDecode(buffer, out data, out _); // every field is read; the NQN checks follow in SPDK's order
        if (!data.SubNqn.Matches(Options.SubNqn))
        {
            return NvmfResult.InvalidParameter(true, ConnectData.SubNqnOffset);
        }

        if (!data.HostNqn.IsTerminated || data.HostNqn.IsEmpty)
        {
            return NvmfResult.InvalidParameter(true, ConnectData.HostNqnOffset);
        }

        return NvmfResult.Ok;
    }

    private NvmfResult ConnectAdmin(INvmfQpair qpair, in ConnectCommand connect, in ConnectData data)
    {
        if (data.Cntlid != ConnectData.DynamicControllerId)
        {
            return NvmfResult.InvalidParameter(true, ConnectData.CntlidOffset); // dynamic controller model only
        }

        if (_controllers.Count >= Options.ControllersMax || !TryAllocateCntlid(out var cntlid))
        {
            return NvmeStatus.InternalDeviceError; // SPDK: "Unable to add controller to subsystem"
        }

        var controller = new NvmfController(this, cntlid, data, ConnectKeepAliveTimeoutMs(connect.Kato), _clock.NowNs)
        {
            AdminQpair = qpair,
            Thread = qpair.Thread,
        };
        _controllers.Add(controller);
        _unthreadedControllers += controller.Thread == null ? 1 : 0;
        StartKeepAliveTimer(controller); // _nvmf_ctrlr_add_admin_qpair (ctrlr.c:352)
        return Bind(qpair, controller, connect.Sqsize);
    }

    /// <summary>
    /// <c>_nvmf_ctrlr_add_io_qpair</c> (ctrlr.c:710) and <c>nvmf_ctrlr_add_io_qpair</c> (ctrlr.c:685) in HEAD's order:
    /// unknown CNTLID; the admin qpair gone or disconnecting ("Inactive admin qpair", ctrlr.c:764); the controller not
    /// enabled or the queue entry sizes wrong; a QID beyond the grant; then <see cref="AddQpair"/>.
    /// </summary>
    private NvmfResult ConnectIo(INvmfRequest request, in ConnectCommand connect, in ConnectData data)
    {
        var qpair = request.Qpair;
        var controller = Find(data.Cntlid);
        if (controller == null)
        {
            return NvmfResult.InvalidParameter(true, ConnectData.CntlidOffset);
        }

        if (!controller.AdminQpairActive)
        {
            return NvmfResult.InvalidParameter(false, ConnectCommand.QidOffset); // the controller outlives its admin qpair
        }

        var cc = controller.Cc;
        if (!controller.IsReady || controller.PendingReset != NvmfPendingReset.None
            || cc.Iosqes != IoSqEntrySizeLog2 || cc.Iocqes != IoCqEntrySizeLog2)
        {
            return NvmfResult.InvalidParameter(false, ConnectCommand.QidOffset); // "I/O connect before ctrlr was enabled"
        }

        if (connect.Qid > controller.IoQueuesGranted)
        {
            return NvmeStatus.InvalidQueueIdentifier; // beyond the Number of Queues grant
        }

        var result = AddQpair(request, controller, connect.Sqsize, retriesDone: 0);
        if (!result.IsHeld && !result.Status.IsError)
        {
            qpair.Enable();
        }

        return result;
    }

    /// <summary>
    /// <c>nvmf_ctrlr_add_qpair</c> (ctrlr.c:280) for an I/O qpair: the admin qpair must still be there; a QID still in the
    /// qpair mask (its previous qpair has not finished its fini) is re-checked <see cref="DuplicateQidRetryDelayNs"/>
    /// later, at most <see cref="DuplicateQidRetriesMax"/> times, then fails INVALID QUEUE IDENTIFIER; otherwise the QID
    /// is taken and the qpair joins the controller (enabled by the caller, on the qpair's thread).
    /// </summary>
    private NvmfResult AddQpair(INvmfRequest request, NvmfController controller, ushort sqsize, int retriesDone)
    {
        var qpair = request.Qpair;
        Check.That(qpair.Qid >= 1 && qpair.Qid <= controller.IoQidMax && qpair.Controller == null, InvariantNames.StateTransition, (Controller: controller, Qpair: qpair),
            static s => $"{s.Qpair} joins {s.Controller} with QID {s.Qpair.Qid} while it names a controller already or beyond the mask");
        if (controller.AdminQpair == null)
        {
            return NvmeStatus.ConnectInvalidParameters; // "Inactive admin qpair" (ctrlr.c:288): no IATTR/IPO, as HEAD
        }

        if (controller.GetIoQpair(qpair.Qid) != null)
        {
            if (retriesDone >= DuplicateQidRetriesMax)
            {
                return NvmeStatus.InvalidQueueIdentifier; // "Got I/O connect with duplicate QID" (ctrlr.c:301)
            }

            controller.ConnectRetriesPending++;
            DuplicateQidWaits++;
            _connectRetries.Add(new ConnectRetry(this, request, controller, sqsize, retriesDone + 1, _clock.NowNs + DuplicateQidRetryDelayNs));
            WakeAcceptor(); // its next run is due sooner, and it may be parked
            return NvmfResult.Held;
        }

        controller.AttachIo(qpair);
        qpair.Controller = controller;
        qpair.SqSize = sqsize;
        return NvmfResult.Dword(ConnectResponse.SuccessDw0(controller.Cntlid));
    }

    private static NvmfResult Bind(INvmfQpair qpair, NvmfController controller, ushort sqsize)
    {
        qpair.Controller = controller;
        qpair.SqSize = sqsize;
        qpair.Enable();
        return NvmfResult.Dword(ConnectResponse.SuccessDw0(controller.Cntlid));
    }

    /// <summary>SPDK's <c>nvmf_subsystem_gen_cntlid</c>: the next free ID after the last one handed out, wrapping.</summary>
    private bool TryAllocateCntlid(out ushort cntlid)
    {
        for (var tries = 0; tries < CntlidMax - CntlidMin + 1; tries++)
        {
            cntlid = _nextCntlid;
            _nextCntlid = _nextCntlid >= CntlidMax ? CntlidMin : (ushort)(_nextCntlid + 1);
            if (Find(cntlid) == null)
            {
                return true;
            }
        }

        cntlid = 0;
        return false;
    }

    /// <summary>KATO of a Connect: 0 stays 0 (no timer), anything else goes through <see cref="RoundKeepAliveTimeoutMs"/>.</summary>
    private long ConnectKeepAliveTimeoutMs(uint kato) =>
        kato == 0 || Options.KeepAliveGranularityMs == 0 ? 0 : RoundKeepAliveTimeoutMs(kato);

    /// <summary>SPDK: at most <c>min_kato</c> becomes <c>min_kato</c>; above, rounded up to the KAS granularity.</summary>
    private long RoundKeepAliveTimeoutMs(uint kato)
    {
        if (kato <= Options.KeepAliveTimeoutMsMin)
        {
            return Options.KeepAliveTimeoutMsMin;
        }

        long granularity = Options.KeepAliveGranularityMs;
        return (kato + granularity - 1) / granularity * granularity;
    }
}
