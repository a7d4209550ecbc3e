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

    internal RdmaPoller(RdmaPollGroup group, IVerbsContext context, IProtectionDomain pd, ICompletionQueue cq, BufferPool buffers)
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

    /// <summary>The device's data buffer pool (registered in this device's PD).</summary>
    public BufferPool Buffers { get; }

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
/// SPDK's <c>spdk_nvmf_rdma_poll_group</c>: one per reactor thread; its pollers (one per device) and the data-WR wait
/// queue shared by its qpairs (<c>pending_buf_queue</c>, linked by <c>buf_link</c>).
/// </summary>
public sealed class RdmaPollGroup
{
    internal RdmaPollGroup(string name)
    {
        Name = name;
        PendingBufQueue = new Stailq<RdmaRequest, BufLink>("pending_buf_queue", this);
    }

    public string Name { get; }

    public List<RdmaPoller> Pollers { get; } = new();

    public Stailq<RdmaRequest, BufLink> PendingBufQueue { get; }

    /// <summary>Requests whose execution finished, to be moved to EXECUTED on this thread's next poll.</summary>
    internal Queue<(RdmaRequest Request, long Generation, long ReadyAtNs)> Executed { get; } = new();

    /// <summary>
    /// Requests whose controller-layer completion comes late (<see cref="INvmfRequest.CompleteAfter"/>), by ready time
    /// then arrival: they must not hold up the FIFO <see cref="Executed"/> queue behind them.
    /// </summary>
    internal PriorityQueue<(RdmaRequest Request, long Generation), (long ReadyAtNs, long Sequence)> DelayedExecuted { get; } = new();

    /// <summary>Arrival number of the next <see cref="DelayedExecuted"/> entry (ties on the ready time keep arrival order).</summary>
    internal long DelayedSequence { get; set; }

    /// <inheritdoc/>
    public override string ToString() => $"poll group {Name}";
}
