using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Target;
using Harness.Transport.Threading;

namespace Harness.Transport.Nvmf;

/// <summary>
/// One dynamic NVMe-oF controller (SPDK's <c>spdk_nvmf_ctrlr</c>): created by a Fabrics Connect on an admin queue,
/// it owns that admin qpair, the I/O qpairs connected to its CNTLID (by QID), the virtual registers CC/CSTS, the
/// granted number of queues, the keep-alive timer and the error log. A qpair leaves it only when the transport's fini of
/// that qpair is complete (nvmf.c:_nvmf_transport_qpair_fini_complete:1563): until then its QID stays taken (HEAD's
/// <c>qpair_mask</c>). It lives on without an admin qpair while I/O qpairs remain and is destructed when the last qpair,
/// admin or I/O, is gone (nvmf.c:_nvmf_ctrlr_free_from_qpair:1544).
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

    /// <summary>
    /// The admin qpair: null once its fini completed (nvmf.c:1571, <c>ctrlr-&gt;admin_qpair = NULL</c>); the controller
    /// may outlive it while I/O qpairs remain.
    /// </summary>
    public INvmfQpair? AdminQpair { get; internal set; }

    /// <summary>
    /// The admin qpair is there and not disconnecting (<c>spdk_nvmf_qpair_is_active(admin_qpair)</c>, ctrlr.c:722): an
    /// I/O CONNECT needs it.
    /// </summary>
    public bool AdminQpairActive => AdminQpair != null && !AdminQpairDeactivating;

    /// <summary>The admin qpair's disconnect started (DEACTIVATING); its fini has not completed yet.</summary>
    internal bool AdminQpairDeactivating { get; set; }

    /// <summary>
    /// Qpairs that hold a QID of this controller (HEAD's <c>spdk_bit_array_count_set(ctrlr-&gt;qpair_mask)</c>): the admin
    /// qpair until its fini completed, and every connected I/O qpair until its fini completed.
    /// </summary>
    public int QpairMaskCount => (AdminQpair != null ? 1 : 0) + IoQpairCount;

    /// <summary>I/O CONNECTs waiting for their duplicate-QID re-check (<c>_retry_qid_check</c>): the controller must outlive them.</summary>
    internal int ConnectRetriesPending { get; set; }

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

    /// <summary>
    /// The controller's thread (<c>ctrlr-&gt;thread</c>, ctrlr.c:476): its admin qpair's poll group thread, where its
    /// keep-alive poller runs; null when the admin qpair has none (then <see cref="NvmfTarget.Poll"/> checks the timer).
    /// </summary>
    internal IReactor? Thread { get; init; }

    /// <summary>The keep-alive poller registered on <see cref="Thread"/> (<c>keep_alive_poller</c>), or null.</summary>
    internal IPoller? KeepAlivePoller { get; set; }

    /// <summary>True once a shutdown stopped the keep-alive timer (SPDK stops it when CC.SHN is set).</summary>
    public bool KeepAliveStopped { get; internal set; }

    /// <summary>The Number of Queues feature value granted (0's based), which bounds the QIDs I/O connects may use.</summary>
    public NumberOfQueues QueuesGranted { get; internal set; }

    /// <summary>I/O queues the controller accepts: QIDs 1..this.</summary>
    public int IoQueuesGranted => Math.Min(QueuesGranted.SubmissionQueues, QueuesGranted.CompletionQueues) + 1;

    /// <summary>Asynchronous Event Configuration feature value (stored, never acted on).</summary>
    public uint AsyncEventConfiguration { get; internal set; }

    /// <summary>
    /// True once the controller was destructed (its last qpair's fini completed): it left the subsystem and its CNTLID
    /// is free again (<c>nvmf_ctrlr_destruct</c>, ctrlr.c:675).
    /// </summary>
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
        Check.That(_ioQpairs[qpair.Qid] == null && !IsDestroyed, InvariantNames.StateTransition, (Controller: this, Qpair: qpair),
            static s => $"{s.Controller}: {s.Qpair} takes QID {s.Qpair.Qid}, which is in the qpair mask already or the controller is destructed");
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
