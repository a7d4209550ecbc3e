using Harness.Transport.Invariants;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>
/// SPDK's <c>spdk_nvmf_rdma_poller</c>: one per device per poll group. One CQ shared by its qpairs, optionally one SRQ
/// with shared resources, the qpairs ordered by QP number (SPDK's RB tree), and the qpairs whose batched WRs must be
/// posted at the end of the poll.
/// </summary>
public sealed class RdmaPoller
{
    private readonly Dictionary<uint, RdmaQpair> _byQpNum = new();
    private readonly List<RdmaQpair> _ordered = new();

    internal RdmaPoller(RdmaPollGroup group, IVerbsContext context, IProtectionDomain pd, ICompletionQueue cq, Iobuf buffers)
    {
        Group = group;
        Context = context;
        Pd = pd;
        Cq = cq;
        Buffers = buffers;
        PendingSend = new Stailq<RdmaQpair, QpairSendLink>("qpairs_pending_send", this);
        PendingRecv = new Stailq<RdmaQpair, QpairRecvLink>("qpairs_pending_recv", this);
        FailedSrqRecvs = new Stailq<RdmaRecv, RecvLink>("failed_srq_recvs", this);
    }

    public RdmaPollGroup Group { get; }

    public IVerbsContext Context { get; }

    public IProtectionDomain Pd { get; }

    public ICompletionQueue Cq { get; }

    /// <summary>The transport's iobuf pools (registered in this device's PD); the group's channel takes from them.</summary>
    public Iobuf Buffers { get; }

    public ISharedReceiveQueue? Srq { get; internal set; }

    /// <summary>Shared resources when an SRQ is used.</summary>
    public RdmaResources? SrqResources { get; internal set; }

    /// <summary>Entries of <see cref="Cq"/> as sized here (SPDK <c>num_cqe</c>).</summary>
    public int NumCqe { get; internal set; }

    /// <summary>Completions its qpairs can have outstanding (SPDK <c>required_num_wr</c>; without an SRQ only).</summary>
    public int RequiredNumWr { get; internal set; }

    /// <summary>The device is gone: drain and destroy every qpair.</summary>
    public bool NeedDestroy { get; internal set; }

    /// <summary>Times this poller was polled (the clock of the bounded-liveness oracle).</summary>
    public long Polls { get; internal set; }

    /// <summary>Qpairs in QP-number order (SPDK's RB tree order; iterating it never allocates).</summary>
    public IReadOnlyList<RdmaQpair> Qpairs => _ordered;

    /// <summary>
    /// Qpairs with WRs batched for the end of this poll (<c>qpairs_pending_send</c>, <c>qpairs_pending_recv</c>): intrusive
    /// lists as in SPDK, so inserting a qpair that is still linked corrupts them as it would in C (and is reported).
    /// </summary>
    internal Stailq<RdmaQpair, QpairSendLink> PendingSend { get; }

    internal Stailq<RdmaQpair, QpairRecvLink> PendingRecv { get; }

    /// <summary>
    /// Shared-receive-queue receives whose post failed, posted again at the end of the next poll (the port's fix of
    /// docs/findings/004: SPDK HEAD drops them and the SRQ shrinks for good).
    /// </summary>
    public Stailq<RdmaRecv, RecvLink> FailedSrqRecvs { get; }

    /// <summary>Scratch: the requests of the WRs a failed <c>ibv_post_send</c> did not post (reused, no allocation per failure).</summary>
    internal List<RdmaRequest> FailedRequests { get; } = new();

    /// <summary>Scratch for iterating qpairs while the set may change.</summary>
    internal List<RdmaQpair> Scratch { get; } = new();

    internal void Add(RdmaQpair qpair)
    {
        _byQpNum.Add(qpair.Qp!.QpNum, qpair);
        var at = 0;
        while (at < _ordered.Count && _ordered[at].Qp!.QpNum < qpair.Qp.QpNum)
        {
            at++;
        }

        _ordered.Insert(at, qpair);
    }

    internal void Remove(RdmaQpair qpair)
    {
        _byQpNum.Remove(qpair.Qp!.QpNum);
        _ordered.Remove(qpair);
    }

    internal RdmaQpair? Find(uint qpNum) => _byQpNum.GetValueOrDefault(qpNum);

    /// <inheritdoc/>
    public override string ToString() => $"poller {Group.Name}/{Context.Device.Name}";
}

/// <summary>
/// SPDK's <c>spdk_nvmf_rdma_poll_group</c> with the generic <c>spdk_nvmf_poll_group</c> it belongs to: one per reactor
/// thread; its pollers (one per device), the data-WR wait queue shared by its qpairs (<c>pending_buf_queue</c>, linked
/// by <c>buf_link</c>), the thread its qpairs are handed to by message, and the qpair counts the I/O placement reads.
/// </summary>
public sealed class RdmaPollGroup
{
    internal RdmaPollGroup(string name, int index)
    {
        Name = name;
        Index = index;
        PendingBufQueue = new Stailq<RdmaRequest, BufLink>("pending_buf_queue", this);
    }

    public string Name { get; }

    /// <summary>Position in the transport's list (SPDK's <c>rtransport-&gt;poll_groups</c> TAILQ order).</summary>
    public int Index { get; }

    /// <summary>The SPDK thread this group runs on (<c>group-&gt;thread</c>): every change to its qpairs happens there.</summary>
    public IReactor? Thread { get; internal set; }

    /// <summary>
    /// Qpairs handed to this group whose Fabrics CONNECT has not arrived (<c>current_unassociated_qpairs</c>, nvmf.c:1473);
    /// written by the acceptor and by the group's thread, so under a lock as SPDK's <c>group-&gt;mutex</c>.
    /// </summary>
    public int CurrentUnassociatedQpairs => _currentUnassociatedQpairs; // plain reads: written with Interlocked, read for placement

    /// <summary>I/O qpairs whose CONNECT arrived and that are not destroyed (<c>stat.current_io_qpairs</c>).</summary>
    public int CurrentIoQpairs => _currentIoQpairs;

    /// <summary>Admin qpairs whose CONNECT arrived and that are not destroyed (<c>stat.current_admin_qpairs</c>).</summary>
    public int CurrentAdminQpairs => _currentAdminQpairs;

    private int _currentUnassociatedQpairs;
    private int _currentIoQpairs;
    private int _currentAdminQpairs;

    /// <summary>
    /// <c>nvmf_poll_group_get_io_qpair_count</c> (rdma.c:4008): the I/O placement counts the qpairs not yet connected
    /// as I/O qpairs ("close enough").
    /// </summary>
    internal int IoQpairCount => CurrentIoQpairs + CurrentUnassociatedQpairs;

    /// <summary>A qpair was handed to this group (spdk_nvmf_tgt_new_qpair, nvmf.c:1473).</summary>
    internal void AddUnassociated() => Interlocked.Increment(ref _currentUnassociatedQpairs);

    /// <summary>
    /// An unassociated qpair left the count: its CONNECT arrived (<paramref name="connectedQid"/>: ctrlr.c:938-951 counts
    /// it as admin or I/O) or it failed before that (null: nvmf.c:1434, 1649).
    /// </summary>
    internal void LeaveUnassociated(ushort? connectedQid)
    {
        var left = Interlocked.Decrement(ref _currentUnassociatedQpairs);
        Check.That(left >= 0, InvariantNames.DepthCounters, this, g => $"{g}: current_unassociated_qpairs < 0");
        if (connectedQid is { } qid)
        {
            Interlocked.Increment(ref qid == 0 ? ref _currentAdminQpairs : ref _currentIoQpairs);
        }
    }

    /// <summary>A connected qpair is destroyed (<c>_nvmf_qpair_destroy</c>, nvmf.c:1639-1646).</summary>
    internal void RemoveConnected(ushort qid)
    {
        var left = Interlocked.Decrement(ref qid == 0 ? ref _currentAdminQpairs : ref _currentIoQpairs);
        Check.That(left >= 0, InvariantNames.DepthCounters, (this, qid), s => $"{s.Item1}: current {(s.qid == 0 ? "admin" : "io")}_qpairs < 0");
    }

    public List<RdmaPoller> Pollers { get; } = new();

    public Stailq<RdmaRequest, BufLink> PendingBufQueue { get; }

    /// <summary>The group's iobuf channel (SPDK's <c>tgroup-&gt;buf_cache</c>, transport.c:nvmf_transport_poll_group_create:663).</summary>
    public IobufChannel Iobuf { get; internal set; } = null!;

    /// <summary>Requests whose execution finished, to be moved to EXECUTED on this thread's next poll.</summary>
    internal Queue<(RdmaRequest Request, long Generation, long ReadyAtNs)> Executed { get; } = new();

    /// <summary>
    /// Requests whose controller-layer completion comes late (<see cref="INvmfRequest.CompleteAfter"/>), by ready time
    /// then arrival: they must not hold up the FIFO <see cref="Executed"/> queue behind them.
    /// </summary>
    internal PriorityQueue<(RdmaRequest Request, long Generation), (long ReadyAtNs, long Sequence)> DelayedExecuted { get; } = new();

    /// <summary>Arrival number of the next <see cref="DelayedExecuted"/> entry (ties on the ready time keep arrival order).</summary>
    internal long DelayedSequence { get; set; }

    /// <summary>
    /// Aborts waiting for a command's RDMA READs (HEAD's retry poller, registered on this thread with period 0): run
    /// after the group's pollers on every poll.
    /// </summary>
    internal List<AbortRequestCtx> AbortPollers { get; } = new();

    /// <inheritdoc/>
    public override string ToString() => $"poll group {Name}";
}
