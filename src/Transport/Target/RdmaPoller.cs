using Harness.Transport.Verbs;

namespace Harness.Transport.Target;

/// <summary>
/// SPDK's <c>spdk_nvmf_rdma_poller</c>: one per device per poll group. One CQ shared by its qpairs, optionally one SRQ
/// with shared resources, the qpairs ordered by QP number (SPDK's RB tree), and the qpairs whose batched WRs must be
/// posted at the end of the poll.
/// </summary>
public sealed class RdmaPoller
{
    private readonly SortedDictionary<uint, RdmaQpair> _qpairs = new();

    internal RdmaPoller(RdmaPollGroup group, IVerbsContext context, IProtectionDomain pd, ICompletionQueue cq, BufferPool buffers)
    {
        Group = group;
        Context = context;
        Pd = pd;
        Cq = cq;
        Buffers = buffers;
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

    /// <summary>The device is gone: drain and destroy every qpair.</summary>
    public bool NeedDestroy { get; internal set; }

    /// <summary>Qpairs by QP number (deterministic iteration order).</summary>
    public IReadOnlyDictionary<uint, RdmaQpair> Qpairs => _qpairs;

    /// <summary>Qpairs with WRs batched for the end of this poll (send, receive).</summary>
    internal List<RdmaQpair> PendingSend { get; } = new();

    internal List<RdmaQpair> PendingRecv { get; } = new();

    /// <summary>Scratch for iterating qpairs while the set may change.</summary>
    internal List<RdmaQpair> Scratch { get; } = new();

    internal void Add(RdmaQpair qpair) => _qpairs.Add(qpair.Qp!.QpNum, qpair);

    internal void Remove(RdmaQpair qpair) => _qpairs.Remove(qpair.Qp!.QpNum);

    internal RdmaQpair? Find(uint qpNum) => _qpairs.GetValueOrDefault(qpNum);

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

    /// <inheritdoc/>
    public override string ToString() => $"poll group {Name}";
}
