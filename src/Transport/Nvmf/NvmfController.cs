using Harness.Transport.Nvme;
using Harness.Transport.Target;

namespace Harness.Transport.Nvmf;

/// <summary>
/// One dynamic NVMe-oF controller (SPDK's <c>spdk_nvmf_ctrlr</c>): created by a Fabrics Connect on an admin queue,
/// it owns that admin qpair, the I/O qpairs connected to its CNTLID (by QID), the virtual registers CC/CSTS, the
/// granted number of queues, the keep-alive timer and the error log. It is destroyed when its admin qpair goes.
/// </summary>
public sealed class NvmfController
{
    /// <summary>AERs a controller holds at most (SPDK_NVMF_MAX_ASYNC_EVENTS, include/spdk/nvmf_transport.h:35; AERL + 1).</summary>
    public const int AsyncEventsMax = 4;

    private readonly INvmfQpair?[] _ioQpairs;
    private readonly INvmfRequest?[] _aerReqs = new INvmfRequest?[AsyncEventsMax];

    internal NvmfController(NvmfTarget owner, ushort cntlid, in ConnectData data, long keepAliveTimeoutMs, long nowNs)
    {
        Owner = owner;
        Cntlid = cntlid;
        HostId = data.HostId;
        HostNqn = data.HostNqn;
        KeepAliveTimeoutMs = keepAliveTimeoutMs;
        LastKeepAliveNs = nowNs;
        var options = owner.Options;
        _ioQpairs = new INvmfQpair?[options.IoQueuesPerControllerMax + 1];
        var granted = (ushort)(options.IoQueuesPerControllerMax - 1);
        QueuesGranted = new NumberOfQueues(granted, granted);
        ErrorLog = new NvmfErrorLog(options.ErrorLogEntriesMax);
    }

    /// <summary>Controller ID, unique among the subsystem's live controllers (1..0xFFEF).</summary>
    public ushort Cntlid { get; }

    /// <summary>HOSTID of the Connect data.</summary>
    public Guid HostId { get; }

    /// <summary>HOSTNQN of the Connect data.</summary>
    public Nqn HostNqn { get; }

    /// <summary>Asynchronous Event Requests held, waiting for an event (<c>nr_aer_reqs</c>).</summary>
    public int AerCount { get; private set; }

    /// <summary><c>ctrlr-&gt;aer_req[nr_aer_reqs++] = req</c> (ctrlr.c:nvmf_ctrlr_async_event_request:2357): false when full.</summary>
    internal bool TryHoldAer(INvmfRequest request)
    {
        if (AerCount >= AsyncEventsMax)
        {
            return false;
        }

        _aerReqs[AerCount++] = request;
        return true;
    }

    /// <summary>Takes the held AER with command id <paramref name="cid"/> out (an Abort names it); null when none.</summary>
    internal INvmfRequest? TakeAer(ushort cid)
    {
        for (var i = 0; i < AerCount; i++)
        {
            var req = _aerReqs[i]!;
            if (NvmeCommand.TryDecode(req.Command, out var cmd).IsError || cmd.Cid != cid)
            {
                continue;
            }

            _aerReqs[i] = _aerReqs[--AerCount];
            _aerReqs[AerCount] = null;
            return req;
        }

        return null;
    }

    /// <summary>Takes the last held AER out (the qpair's destruction ends them all); null when none is left.</summary>
    internal INvmfRequest? TakeAnyAer()
    {
        if (AerCount == 0)
        {
            return null;
        }

        var req = _aerReqs[--AerCount];
        _aerReqs[AerCount] = null;
        return req;
    }

    /// <summary>The admin qpair (null once it disconnected, i.e. once the controller is destroyed).</summary>
    public INvmfQpair? AdminQpair { get; internal set; }

    /// <summary>I/O qpairs currently connected.</summary>
    public int IoQpairCount { get; private set; }

    /// <summary>Controller Configuration (CC) as the host last set it.</summary>
    public ControllerConfiguration Cc { get; internal set; }

    /// <summary>Controller Status (CSTS).</summary>
    public ControllerStatus Csts { get; internal set; }

    /// <summary>CC.EN = 1 and CSTS.RDY = 1: admin commands other than Fabrics ones and I/O connects are accepted.</summary>
    public bool IsReady => Cc.Enable && Csts.Ready;

    /// <summary>A reset or shutdown waiting for the I/O qpairs to go.</summary>
    public NvmfPendingReset PendingReset { get; internal set; }

    /// <summary>Keep-alive timeout in ms (0 = no keep-alive timer), as rounded by the target.</summary>
    public long KeepAliveTimeoutMs { get; internal set; }

    /// <summary>Virtual time of the last Keep Alive command (or of the Connect).</summary>
    public long LastKeepAliveNs { get; internal set; }

    /// <summary>True once a shutdown stopped the keep-alive timer (SPDK stops it when CC.SHN is set).</summary>
    public bool KeepAliveStopped { get; internal set; }

    /// <summary>The Number of Queues feature value granted (0's based), which bounds the QIDs I/O connects may use.</summary>
    public NumberOfQueues QueuesGranted { get; internal set; }

    /// <summary>I/O queues the controller accepts: QIDs 1..this.</summary>
    public int IoQueuesGranted => Math.Min(QueuesGranted.SubmissionQueues, QueuesGranted.CompletionQueues) + 1;

    /// <summary>Asynchronous Event Configuration feature value (stored, never acted on).</summary>
    public uint AsyncEventConfiguration { get; internal set; }

    /// <summary>True once the admin qpair went: the controller left the subsystem and its CNTLID is free again.</summary>
    public bool IsDestroyed { get; internal set; }

    /// <summary>The Error Information log.</summary>
    public NvmfErrorLog ErrorLog { get; }

    /// <summary>Highest QID an I/O qpair of this controller could have (the array bound).</summary>
    internal int IoQidMax => _ioQpairs.Length - 1;

    internal NvmfTarget Owner { get; }

    /// <summary>The controller is in the target's queue of disconnects to issue at the next poll (its I/O qpairs at least).</summary>
    internal bool DisconnectQueued { get; set; }

    /// <summary>The queued disconnect includes the admin qpair (keep-alive expiry).</summary>
    internal bool DisconnectAdminQueued { get; set; }

    /// <summary>HOSTNQN as text.</summary>
    public string HostNqnText => HostNqn.ToString();

    /// <summary>The I/O qpair connected with <paramref name="qid"/>, or null.</summary>
    public INvmfQpair? GetIoQpair(int qid) => qid >= 1 && qid <= IoQidMax ? _ioQpairs[qid] : null;

    /// <inheritdoc/>
    public override string ToString() => $"controller 0x{Cntlid:x4} (host {HostNqn})";

    internal void AttachIo(INvmfQpair qpair)
    {
        _ioQpairs[qpair.Qid] = qpair;
        IoQpairCount++;
    }

    /// <summary>Forgets <paramref name="qpair"/> if it is this controller's I/O qpair of its QID; true when it was.</summary>
    internal bool DetachIo(INvmfQpair qpair)
    {
        if (GetIoQpair(qpair.Qid) != qpair)
        {
            return false;
        }

        _ioQpairs[qpair.Qid] = null;
        IoQpairCount--;
        return true;
    }

    /// <summary>True when <paramref name="qpair"/> is this controller's admin qpair or one of its I/O qpairs.</summary>
    internal bool Owns(INvmfQpair qpair) => AdminQpair == qpair || GetIoQpair(qpair.Qid) == qpair;
}
