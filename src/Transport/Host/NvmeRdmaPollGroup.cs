using Harness.Transport.Invariants;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// An SPDK thread's host poll group (<c>struct nvme_rdma_poll_group</c>): one poller on one reactor, one CQ shared by
/// its I/O qpairs (of any controller). Each round it advances every qpair (connect, disconnect, timeouts) and polls
/// the CQ, routing completions to qpairs by wr id; completions of destroyed or earlier connections are skipped.
/// Only its reactor touches its qpairs; adding one from another thread goes through a small locked hand-off list.
/// With <see cref="HostOptions.RdmaSrqSize"/> the poller also has a shared receive queue (<see cref="SrqResponses"/>):
/// response RECV completions name a buffer of the poller and are matched to their qpair by qp_num, as HEAD.
/// </summary>
public sealed class NvmeRdmaPollGroup : IDisposable
{
    private readonly Lock _gate = new(); // a Lock: never held across a wait or a meeting point (docs/systematic.md, "Locks")
    private readonly List<NvmeRdmaQpair> _incoming = new();
    private readonly List<NvmeRdmaQpair> _qpairs = new();
    private readonly Dictionary<int, NvmeRdmaQpair> _bySerial = new();
    private readonly Dictionary<uint, NvmeRdmaQpair> _byQpNum = new(); // HEAD's poller->qpairs RB tree (lookups only: no order)
    private readonly List<(NvmeRdmaQpair Qpair, QpairFailureReason Reason)> _failed = new();
    private readonly WorkCompletion[] _wcs;
    private readonly IReactor _reactor;
    private readonly GroupPoller _poller;
    private readonly HostOptions _options;
    private ICompletionQueue? _cq;
    private IVerbsContext? _cqContext;
    private int _cqEntriesReserved;
    private int _currentNumWc;
    private int _nextSerial = 1;
    private int _members;
    private int _resumeAt;
    private SrqResponses? _srq;
    private byte _srqGeneration;

    /// <summary>Creates the group and starts its poller on <paramref name="reactor"/>.</summary>
    public NvmeRdmaPollGroup(IReactor reactor, HostOptions? options = null)
    {
        _reactor = reactor;
        _options = options ?? new HostOptions();
        _wcs = new WorkCompletion[_options.CompletionsPerPollMax];
        _poller = new GroupPoller(this);
        reactor.AddPoller(_poller);
    }

    public string Name => _reactor.Name;

    /// <summary>The group's thread (told when another thread hands it work).</summary>
    internal IReactor Reactor => _reactor;

    /// <summary>Qpairs the group polls (a view for its own thread and tests).</summary>
    public IReadOnlyList<NvmeRdmaQpair> Qpairs => _qpairs;

    /// <summary>Completions that named no live qpair (destroyed ones, earlier connections).</summary>
    public long StaleCompletions { get; private set; }

    /// <summary>The shared CQ (created with the first qpair's QP).</summary>
    internal ICompletionQueue? Cq => _cq;

    /// <summary>SPDK <c>poller-&gt;current_num_wc</c>: the entries the shared CQ was asked for (the provider may round up).</summary>
    internal int CurrentNumWc => _currentNumWc;

    /// <summary>SPDK <c>poller-&gt;required_num_wc</c>: 2 × the entries of every qpair on the CQ.</summary>
    internal int RequiredNumWc => _cqEntriesReserved;

    /// <summary>The poller's shared receive queue and its responses (null without <see cref="HostOptions.RdmaSrqSize"/> or while no qpair uses it).</summary>
    internal SrqResponses? Srq => _srq;

    /// <summary>Poll rounds run.</summary>
    public long Polls { get; private set; }

    /// <summary>Rounds that ended at a qpair whose step would have blocked on its controller lock.</summary>
    public long LockWaits { get; private set; }

    /// <summary>
    /// One round (the poller body): advance every qpair, then poll the CQ once. A qpair whose step would block on the
    /// controller lock (a cooperative run whose holder is suspended on this OS thread) ends the round there, and the next
    /// round resumes at that qpair: HEAD's thread sits in nvme_ctrlr_lock and polls nothing else meanwhile.
    /// </summary>
    public int Poll()
    {
        Polls++;
        var work = AdoptIncoming();
        var first = _resumeAt;
        _resumeAt = 0;
        for (var i = first; i < _qpairs.Count; i++)
        {
            work += _qpairs[i].Progress();
            if (_qpairs[i].WaitingForLock)
            {
                _resumeAt = i;
                LockWaits++;
                return work + 1; // a blocked thread is not idle: poll again as soon as the reactor may
            }
        }

        work += PollCq();
        if (_srq != null)
        {
            _srq.Submit(); // HEAD nvme_rdma.c:3978–3980: once per round, after the CQ, its result not acted on
        }

        for (var i = 0; i < _qpairs.Count; i++)
        {
            work += _qpairs[i].ProcessSubmits(); // HEAD: nvme_rdma_qpair_process_submits over the active qpairs
        }

        for (var i = _qpairs.Count - 1; i >= 0; i--)
        {
            if (_qpairs[i].IsFreed)
            {
                Remove(_qpairs[i]);
            }
        }

        return work;
    }

    /// <summary>Stops the poller and destroys the CQ. Every qpair must have been freed.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_members != 0)
            {
                throw new InvalidOperationException($"poll group {Name}: {_members} qpair(s) not freed");
            }
        }

        _reactor.RemovePoller(_poller);
        Check.That(_srq == null && _byQpNum.Count == 0, InvariantNames.NoLeakOnDestroy, this, g => $"{g}: destroyed with its SRQ still in use");
        if (_cq != null)
        {
            var rc = _cq.Destroy();
            Check.That(rc == Errno.Ok, InvariantNames.NoLeakOnDestroy, (Name, rc), s => $"poll group {s.Name}: ibv_destroy_cq failed: {Errno.Name(s.rc)}");
            _cq = null;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"poll group {Name}";

    /// <summary>Adds a new I/O qpair (any thread): it gets its serial now and is polled from the next round on.</summary>
    internal void Add(NvmeRdmaQpair qpair)
    {
        lock (_gate)
        {
            if (_members >= _options.PollGroupQpairsMax || _nextSerial >= HostWrId.SrqSerial)
            {
                throw new InvalidOperationException($"poll group {Name}: at most {_options.PollGroupQpairsMax} qpairs");
            }

            qpair.Serial = _nextSerial++;
            _members++;
            _incoming.Add(qpair);
        }

        _reactor.Notify();
    }

    /// <summary>
    /// The shared CQ for <paramref name="qpair"/> on <paramref name="ctx"/>, reserving 2 × its entries; with an SRQ,
    /// the poller's SRQ too (<paramref name="srq"/>, created on first use in <paramref name="pd"/>) and the CQ is fixed
    /// at 2 × rdma_srq_size (HEAD nvme_rdma_poller_create:3610, no resize: nvme_rdma_poll_group_connect_qpair).
    /// </summary>
    internal int GetCq(NvmeRdmaQpair qpair, IVerbsContext ctx, IProtectionDomain pd, IDmaMemory memory, out ICompletionQueue? cq, out SrqResponses? srq)
    {
        cq = null;
        srq = null;
        if (_cq == null)
        {
            var entries = _options.RdmaSrqSize != 0 ? 2 * _options.RdmaSrqSize : _options.PollGroupCqEntries;
            var rc = ctx.CreateCq(entries, this, out _cq);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            _currentNumWc = entries;

            _cqContext = ctx;
        }

        if (!ReferenceEquals(ctx, _cqContext))
        {
            return Errno.EINVAL; // one device per poll group
        }

        if (_options.RdmaSrqSize != 0)
        {
            var rc = AcquireSrq(qpair, pd, memory);
            srq = _srq;
            cq = rc == Errno.Ok ? _cq : null;
            return rc;
        }

        if (!qpair.CqReserved)
        {
            var rc = ResizeCq(qpair);
            if (rc != Errno.Ok)
            {
                return rc;
            }
        }

        cq = _cq;
        return Errno.Ok;
    }

    /// <summary>
    /// SPDK <c>nvme_rdma_resize_cq</c>: the shared CQ must hold 2 × the entries of every qpair on it; when this one does
    /// not fit it grows to twice its size (at least what is required) with ibv_resize_cq, whose errno fails the connect.
    /// </summary>
    private int ResizeCq(NvmeRdmaQpair qpair)
    {
        var required = _cqEntriesReserved + (2 * qpair.NumEntries);
        var current = _currentNumWc < required ? Math.Max(_currentNumWc * 2, required) : _currentNumWc;
        if (current != _currentNumWc)
        {
            var rc = _cq!.Resize(current);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            _currentNumWc = current;
        }

        _cqEntriesReserved = required;
        qpair.CqReserved = true;
        return Errno.Ok;
    }

    /// <summary>
    /// HEAD's qpair insertion into poller->qpairs once its QP exists (nvme_rdma_qpair_init, nvme_rdma.c:903): RECV
    /// completions on the SRQ are matched to it by <paramref name="qpNum"/>.
    /// </summary>
    internal void AttachSrqQpair(NvmeRdmaQpair qpair, uint qpNum)
    {
        Check.That(qpair.SrqHeld && _srq != null, InvariantNames.StateTransition, qpair, q => $"{q.Name}: attached to a poller SRQ it does not hold");
        Check.That(_byQpNum.TryAdd(qpNum, qpair), InvariantNames.QueueIntegrity, (this, qpNum), s => $"{s.Item1}: duplicate qpair with qp_num {s.qpNum}");
        qpair.SrqQpNum = qpNum;
    }

    /// <summary>
    /// HEAD nvme_rdma_qpair_release_poller (nvme_rdma.c:790): the qpair's QP is destroyed, it leaves poller->qpairs; the
    /// last qpair on the SRQ destroys it with its buffers (HEAD's poller refcount), so that its PD can go with its controller.
    /// </summary>
    internal void ReleaseSrq(NvmeRdmaQpair qpair, IDmaMemory memory)
    {
        Check.That(qpair.SrqHeld && _srq is { Users: > 0 }, InvariantNames.StateTransition, qpair, q => $"{q.Name}: releases a poller SRQ it does not hold");
        if (qpair.SrqQpNum is { } qpNum && _byQpNum.TryGetValue(qpNum, out var found) && ReferenceEquals(found, qpair))
        {
            _byQpNum.Remove(qpNum);
        }

        qpair.SrqQpNum = null;
        qpair.SrqHeld = false;
        _srq!.Users--;
        if (_srq.Users == 0)
        {
            _srq.CheckConservation();
            _srq.Release(memory);
            _srq = null;
        }
    }

    /// <summary>The poller's SRQ for a new qpair: created on first use (its receives posted at once, HEAD :3597), in the qpair's PD.</summary>
    private int AcquireSrq(NvmeRdmaQpair qpair, IProtectionDomain pd, IDmaMemory memory)
    {
        Check.That(!qpair.SrqHeld, InvariantNames.StateTransition, qpair, q => $"{q.Name}: takes the poller SRQ twice");
        if (_srq == null)
        {
            var defect = (_options.Defects & Target.KnownDefects.HostSrqRecvLost) != 0;
            _srq = SrqResponses.Create(memory, pd, _options.RdmaSrqSize, ++_srqGeneration, defect, Log, out var rc);
            if (_srq == null)
            {
                return rc;
            }

            rc = _srq.Submit();
            if (rc != Errno.Ok)
            {
                _srq.Release(memory); // HEAD: the poller is not created
                _srq = null;
                return rc;
            }
        }
        else if (!ReferenceEquals(_srq.Pd, pd))
        {
            return Errno.EINVAL; // the SRQ's buffers are in another controller's PD (HEAD shares one PD per device)
        }

        _srq.Users++;
        qpair.SrqHeld = true;
        return Errno.Ok;
    }

    private void Log(string text) => _options.Log?.Invoke($"{this}: {text}");

    private int AdoptIncoming()
    {
        lock (_gate)
        {
            if (_incoming.Count == 0)
            {
                return 0;
            }

            foreach (var qpair in _incoming)
            {
                _qpairs.Add(qpair);
                _bySerial.Add(qpair.Serial, qpair);
            }

            var n = _incoming.Count;
            _incoming.Clear();
            return n;
        }
    }

    private int PollCq()
    {
        if (_cq == null)
        {
            return 0;
        }

        _options.MeetingPoints?.At(MeetingPoint.HostPollGroupCq);
        var n = _cq.Poll(_wcs);
        for (var i = 0; i < n; i++)
        {
            if (HostWrId.IsRecv(_wcs[i].WrId) && HostWrId.Serial(_wcs[i].WrId) == HostWrId.SrqSerial)
            {
                OnSrqRecvCompletion(_wcs[i]);
                continue;
            }

            if (!_bySerial.TryGetValue(HostWrId.Serial(_wcs[i].WrId), out var qpair))
            {
                StaleCompletions++;
                continue;
            }

            var reason = qpair.OnWorkCompletion(_wcs[i]);
            if (reason != QpairFailureReason.None && !IsFailing(qpair))
            {
                _failed.Add((qpair, reason));
            }
        }

        foreach (var (qpair, reason) in _failed)
        {
            qpair.Fail(reason); // only after the whole batch (SPDK rqpairs_to_fail)
        }

        _failed.Clear();
        for (var i = 0; i < _qpairs.Count && n > 0; i++)
        {
            _qpairs[i].CheckReceives();
        }

        _srq?.CheckConservation();

        return Math.Max(n, 0);
    }

    /// <summary>
    /// A RECV completion of the poller's SRQ (HEAD nvme_rdma_poller_process_cq_completions:3772–3793): the qpair is found
    /// by qp_num; none (destroyed) or an EXITED one, and the receive is queued again for the other qpairs, uncounted.
    /// </summary>
    private void OnSrqRecvCompletion(in WorkCompletion wc)
    {
        if (_srq == null || !_srq.Owns(wc.WrId))
        {
            StaleCompletions++; // a receive of an SRQ already destroyed with its buffers
            return;
        }

        var index = HostWrId.Index(wc.WrId);
        if (!_byQpNum.TryGetValue(wc.QpNum, out var qpair) || !qpair.AcceptsSrqResponse)
        {
            StaleCompletions++;
            _srq.Take(index, counted: false);
            _srq.Requeue(index, counted: false);
            return;
        }

        var reason = qpair.OnSrqRecvCompletion(_srq, index, wc);
        if (reason != QpairFailureReason.None && !IsFailing(qpair))
        {
            _failed.Add((qpair, reason));
        }
    }

    /// <summary>True when <paramref name="qpair"/> already failed in this batch (a loop, not a lambda: this runs per completion).</summary>
    private bool IsFailing(NvmeRdmaQpair qpair)
    {
        for (var i = 0; i < _failed.Count; i++)
        {
            if (ReferenceEquals(_failed[i].Qpair, qpair))
            {
                return true;
            }
        }

        return false;
    }

    private void Remove(NvmeRdmaQpair qpair)
    {
        _qpairs.Remove(qpair);
        _bySerial.Remove(qpair.Serial);
        if (qpair.CqReserved)
        {
            _cqEntriesReserved -= 2 * qpair.NumEntries;
            qpair.CqReserved = false;
        }

        lock (_gate)
        {
            _members--;
        }
    }

    /// <summary>The earliest deadline of the group's qpairs (<see cref="ITimedPoller.NextRunNs"/>).</summary>
    private long NextRunNs()
    {
        var next = ITimedPoller.Never;
        for (var i = 0; i < _qpairs.Count; i++)
        {
            next = Math.Min(next, _qpairs[i].NextRunNs());
        }

        return next;
    }

    private sealed class GroupPoller(NvmeRdmaPollGroup group) : ITimedPoller
    {
        public string Name => $"nvme_rdma_poll_group {group.Name}";

        public long NextRunNs => group.NextRunNs();

        public int Poll() => group.Poll();
    }
}
