using Harness.Transport.Invariants;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// An SPDK thread's host poll group (<c>struct nvme_rdma_poll_group</c>): one poller on one reactor, one CQ shared by
/// its I/O qpairs (of any controller). Each round it advances every qpair (connect, disconnect, timeouts) and polls
/// the CQ, routing completions to qpairs by wr id; completions of destroyed or earlier connections are skipped.
/// Only its reactor touches its qpairs; adding one from another thread goes through a small locked hand-off list.
/// </summary>
public sealed class NvmeRdmaPollGroup : IDisposable
{
    private readonly object _gate = new();
    private readonly List<NvmeRdmaQpair> _incoming = new();
    private readonly List<NvmeRdmaQpair> _qpairs = new();
    private readonly Dictionary<int, NvmeRdmaQpair> _bySerial = new();
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
            if (_members >= _options.PollGroupQpairsMax || _nextSerial > HostWrId.SerialMax)
            {
                throw new InvalidOperationException($"poll group {Name}: at most {_options.PollGroupQpairsMax} qpairs");
            }

            qpair.Serial = _nextSerial++;
            _members++;
            _incoming.Add(qpair);
        }
    }

    /// <summary>The shared CQ for <paramref name="qpair"/> on <paramref name="ctx"/>, reserving 2 × its entries.</summary>
    internal int GetCq(NvmeRdmaQpair qpair, IVerbsContext ctx, out ICompletionQueue? cq)
    {
        cq = null;
        if (_cq == null)
        {
            var rc = ctx.CreateCq(_options.PollGroupCqEntries, this, out _cq);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            _currentNumWc = _options.PollGroupCqEntries;

            _cqContext = ctx;
        }

        if (!ReferenceEquals(ctx, _cqContext))
        {
            return Errno.EINVAL; // one device per poll group
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

        var n = _cq.Poll(_wcs);
        for (var i = 0; i < n; i++)
        {
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

        return Math.Max(n, 0);
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

    private sealed class GroupPoller(NvmeRdmaPollGroup group) : IPoller
    {
        public string Name => $"nvme_rdma_poll_group {group.Name}";

        public int Poll() => group.Poll();
    }
}
