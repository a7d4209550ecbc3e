using Harness.Transport.Nvme;
using Harness.Transport.Target;

namespace Harness.Transport.Nvmf;

/// <summary>Fabrics Connect: SPDK's <c>nvmf_ctrlr_cmd_connect</c>, <c>_nvmf_ctrlr_connect</c>, <c>nvmf_ctrlr_create</c> and <c>_nvmf_ctrlr_add_io_qpair</c>.</summary>
public sealed partial class NvmfTarget
{
    /// <summary>CC.IOSQES an I/O queue connect requires (64-byte SQEs).</summary>
    private const byte IoSqEntrySizeLog2 = 6;

    /// <summary>CC.IOCQES an I/O queue connect requires (16-byte CQEs).</summary>
    private const byte IoCqEntrySizeLog2 = 4;

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

        return connect.Qid == 0 ? ConnectAdmin(qpair, connect, data) : ConnectIo(qpair, connect, data);
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
        };
        _controllers.Add(controller);
        return Bind(qpair, controller, connect.Sqsize);
    }

    private NvmfResult ConnectIo(INvmfQpair qpair, in ConnectCommand connect, in ConnectData data)
    {
        var controller = Find(data.Cntlid);
        if (controller == null)
        {
            return NvmfResult.InvalidParameter(true, ConnectData.CntlidOffset);
        }

        var cc = controller.Cc;
        if (!controller.IsReady || controller.PendingReset != NvmfPendingReset.None
            || cc.Iosqes != IoSqEntrySizeLog2 || cc.Iocqes != IoCqEntrySizeLog2)
        {
            return NvmfResult.InvalidParameter(false, ConnectCommand.QidOffset); // "I/O connect before ctrlr was enabled"
        }

        if (connect.Qid > controller.IoQueuesGranted || controller.GetIoQpair(connect.Qid) != null)
        {
            return NvmeStatus.InvalidQueueIdentifier; // beyond the Number of Queues grant, or a duplicate QID
        }

        controller.AttachIo(qpair);
        return Bind(qpair, controller, connect.Sqsize);
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
