using Harness.Sim.Contract;
using Harness.Sim.Core;
using Harness.Sim.Tracing;
using Harness.Transport.Verbs;

namespace Harness.Sim.Nic;

/// <summary>
/// A simulated completion queue: a ring of <see cref="Cqe"/> entries. Each entry carries the virtual time from which
/// it is visible (delayed-completion faults); visibility times never decrease, so the ring stays FIFO.
/// Overrun (more completions than entries) raises async CQ_ERR and further completions are lost, as on hardware.
/// As in rdma-core's mlx5 provider, a queue slot is given back to its QP or SRQ when the completion is polled (the
/// provider advances the work queue's tail in ibv_poll_cq), not when the NIC writes it: a consumer that reposts before
/// polling, or counts a WR as gone when it merely finished, gets ENOMEM as on hardware. An error completion carries only
/// what the verbs spec guarantees (wr_id, status, qp_num, vendor_err); every other field holds seeded garbage.
/// </summary>
public sealed class SimCq : ICompletionQueue, ISimEventTarget
{
    private const int EvVisible = 1;

    /// <summary>
    /// Slots a CQ's ring starts with; it doubles up to the CQ's entries as completions pile up. A CQ is sized for the
    /// worst case (thousands of entries) and rarely holds more than a few: allocating every entry up front was most of
    /// a Coyote schedule's memory. Which completions fit, and when the CQ overruns, depend on the entries, not on this.
    /// </summary>
    private const int InitialSlots = 16;
    private WorkCompletion[] _ring;
    private long[] _visibleAtNs;
    private SlotRelease[] _releases;
    private readonly SimContext _context;
    private int _head;
    private int _count;
    private long _lastVisibleNs;
    private long _wakeAtNs;
    private int _users;
    private int _cqe;

    internal SimCq(SimContext context, int cqe, object? cqContext, int ordinal)
    {
        _context = context;
        _cqe = cqe;
        var slots = Math.Min(cqe, InitialSlots);
        _ring = new WorkCompletion[slots];
        _visibleAtNs = new long[slots];
        _releases = new SlotRelease[slots];
        CqContext = cqContext;
        Ordinal = ordinal;
    }

    /// <inheritdoc/>
    public object? CqContext { get; }

    /// <inheritdoc/>
    public int Cqe => _cqe;

    /// <summary>Creation order on its host (what fault plans select CQs by).</summary>
    public int Ordinal { get; }

    /// <summary>True once the CQ overran.</summary>
    public bool Overrun { get; private set; }

    /// <summary>True after a successful <see cref="Destroy"/>.</summary>
    public bool Destroyed { get; private set; }

    /// <summary>Completions waiting to be polled (visible or not yet).</summary>
    public int Count => _count;

    /// <summary>Completions lost to overrun.</summary>
    public long Lost { get; private set; }

    /// <summary>The reactors that polled this CQ: a completion wakes them when it becomes visible.</summary>
    internal Waiters Waiters { get; } = new();

    private SimWorld World => _context.World;

    /// <inheritdoc/>
    public int Poll(Span<WorkCompletion> wcs)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "ibv_poll_cq");
            Waiters.Watch(World);
            var now = World.NowNs;
            var n = 0;
            while (n < wcs.Length && _count > 0 && _visibleAtNs[_head] <= now)
            {
                wcs[n++] = _ring[_head];
                _releases[_head].Apply(_ring[_head]);
                _releases[_head] = default;
                _head = (_head + 1) % _ring.Length;
                _count--;
            }

            return n;
        }
    }

    /// <inheritdoc/>
    public int Resize(int cqe)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "ibv_resize_cq");
            var options = _context.Device.Host.Fabric.Options;
            if (cqe < 1 || cqe > options.MaxCqe || _context.Device.Removed)
            {
                return _context.Device.Removed ? Errno.ENODEV : Errno.EINVAL;
            }

            var size = SimContext.ProvidedCqe(options.Provider, cqe);
            if (size < _count)
            {
                return Errno.EINVAL; // mlx5 and rxe refuse to drop completions the CQ holds
            }

            // The completions move over in order, as the provider copies its CQEs to the new buffer.
            _cqe = size;
            MoveToSlots(Math.Min(size, Math.Max(_count, InitialSlots)));
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int Destroy()
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.DestroyedTwice, this, "ibv_destroy_cq");
            if (_users > 0)
            {
                return Errno.EBUSY; // a QP still uses it: the one errno the man page documents
            }

            Destroyed = true;
            _context.Device.LiveCqs--;
            return Errno.Ok;
        }
    }

    internal void AddUser() => _users++;

    internal void RemoveUser() => _users--;

    /// <summary>
    /// Writes a completion (caller holds the gate) and traces it; <paramref name="release"/> is the queue slot the
    /// completion gives back when it is polled.
    /// </summary>
    internal void Push(in WorkCompletion wc, string host, in SlotRelease release)
    {
        World.Record(new TraceRecord
        {
            Kind = TraceKind.Completion,
            Node = host,
            Qp = wc.QpNum,
            WrId = wc.WrId,
            Op = wc.Status == WcStatus.Success ? wc.Opcode.ToName() : null,
            Status = wc.Status.ToIbvName(),
            Length = wc.ByteLen,
        });
        if (Overrun)
        {
            Lost++;
            return;
        }

        if (_count == _cqe)
        {
            OnOverrun(host);
            return;
        }

        if (_count == _ring.Length)
        {
            MoveToSlots(Math.Min(_cqe, 2 * _ring.Length));
        }

        var visible = Math.Max(_lastVisibleNs, World.NowNs + _context.Device.Host.Fabric.Faults.CqDelayNs(host, Ordinal));
        _lastVisibleNs = visible;
        var tail = (_head + _count) % _ring.Length;
        _ring[tail] = wc;
        if (wc.Status != WcStatus.Success)
        {
            FillUndefinedFields(ref _ring[tail]);
        }

        _releases[tail] = release;
        _visibleAtNs[tail] = visible;
        _count++;
        Waiters.Wake(visible);
        ScheduleVisibility(visible);
    }

    /// <summary>Moves the completions held, in order, to rings of <paramref name="slots"/> slots starting at slot 0.</summary>
    private void MoveToSlots(int slots)
    {
        if (slots < _count)
        {
            throw new InvalidOperationException($"{this}: {slots} slots cannot hold its {_count} completions");
        }

        var ring = new WorkCompletion[slots];
        var visible = new long[slots];
        var releases = new SlotRelease[slots];
        for (var i = 0; i < _count; i++)
        {
            var from = (_head + i) % _ring.Length;
            ring[i] = _ring[from];
            visible[i] = _visibleAtNs[from];
            releases[i] = _releases[from];
        }

        (_ring, _visibleAtNs, _releases, _head) = (ring, visible, releases, 0);
    }

    /// <summary>
    /// As hardware on a CQ overrun (IB spec 11.6.2; mlx5 and rxe alike): the CQ goes to error and loses every later
    /// completion, IBV_EVENT_CQ_ERR is raised, and every QP that completes to it moves to ERR. A consumer whose QPs and
    /// SRQs can have at most the CQ's entries outstanding never overruns it (a WR gives one completion, and its slot is
    /// free again only once that completion is polled), so an overrun is the consumer's sizing (verbs-contract
    /// <see cref="VerbsContract.CqOverrun"/>, naming the CQ and what its users can have outstanding).
    /// </summary>
    private void OnOverrun(string host)
    {
        Overrun = true;
        Lost++;
        World.Record(new TraceRecord { Kind = TraceKind.CqOverrun, Node = host, Arg = Ordinal });
        _context.RaiseAsyncEvent(new AsyncEvent(AsyncEventType.CqErr, null, this, null, 1));
        var outstandingMax = 0L;
        var srqs = new List<SimSrq>();
        foreach (var qp in _context.Device.Host.AllQps)
        {
            if (!qp.Destroyed && qp.CompletesTo(this))
            {
                outstandingMax += qp.CompletionsMax(this, srqs);
                qp.ForceError("CQ overrun");
            }
        }

        SimCheck.That(outstandingMax > Cqe, World, "cq-overrun-impossible", this,
            $"CQ #{Ordinal} of {host} overran though its QPs and SRQs can have only {outstandingMax} WRs outstanding for {Cqe} entries");
        VerbsContract.Violated(World, VerbsContract.CqOverrun, this,
            $"CQ #{Ordinal} of {host} overran: {Cqe} entries, its QPs and SRQs can have {outstandingMax} WRs outstanding (IBV_EVENT_CQ_ERR, its QPs to ERR)");
    }

    /// <summary>
    /// ibv_poll_cq(3): "Not all wc attributes are always valid. If the completion status is other than
    /// IBV_WC_SUCCESS, only the following attributes are valid: wr_id, status, qp_num, and vendor_err." A consumer
    /// that reads the opcode or length of a failed completion reads whatever the NIC left there; so does it here.
    /// </summary>
    private void FillUndefinedFields(ref WorkCompletion wc)
    {
        var r = World.Random.Stream(StreamNames.WcUndefinedFields);
        var bits = r.NextUInt64();
        wc.Opcode = (WcOpcode)(byte)bits;
        wc.WcFlags = (WcFlags)(byte)(bits >> 8);
        wc.ByteLen = (uint)(bits >> 32);
        bits = r.NextUInt64();
        wc.ImmDataOrInvalidatedRkey = (uint)bits;
        wc.SrcQp = (uint)(bits >> 40);
    }

    /// <inheritdoc/>
    public void OnEvent(int kind, long a, long b)
    {
        // A delayed completion became visible: nothing to do but let time get here (pollers see it now).
    }

    /// <inheritdoc/>
    public override string ToString() => $"{_context.Device.Host.HostName}/cq {Ordinal}";

    /// <summary>
    /// Threaded mode has no idle reactor ticks: virtual time moves only from event to event, so a completion that becomes
    /// visible later needs an event at that time, or a world with nothing else scheduled would never reach it. (In the
    /// cooperative mode the reactors that polled the CQ are woken at that time: <see cref="Waiters"/>.)
    /// </summary>
    private void ScheduleVisibility(long visible)
    {
        if (visible > World.NowNs && visible > _wakeAtNs && _context.Device.Host.Fabric.Threading == Fabric.SimThreading.Threaded)
        {
            _wakeAtNs = visible;
            World.ScheduleAt(visible, this, EvVisible);
        }
    }
}

/// <summary>A simulated shared receive queue: one FIFO of receives consumed by every QP attached to it.</summary>
public sealed class SimSrq : ISharedReceiveQueue
{
    /// <summary>wr_ids of the receives posted and not yet polled (one buffer must not be posted twice).</summary>
    private readonly HashSet<ulong> _wrIds = new();

    private readonly RecvWorkRequest[] _ring;
    private readonly SimPd _pd;
    private int _head;
    private int _count;
    private int _unpolled;
    private int _postCalls;

    internal SimSrq(SimPd pd, int maxWr, int maxSge, object? context)
    {
        _pd = pd;
        _ring = new RecvWorkRequest[maxWr];
        MaxSge = maxSge;
        SrqContext = context;
        Ordinal = pd.Context.Device.Host.NextSrqOrdinal();
    }

    /// <summary>Creation order on its host: what a post-error fault on the <c>srq</c> queue selects by.</summary>
    public int Ordinal { get; }

    /// <inheritdoc/>
    public object? SrqContext { get; }

    public int MaxSge { get; }

    /// <summary>The receives it holds at most (max_wr).</summary>
    public int MaxWr => _ring.Length;

    /// <summary>True after a successful <see cref="Destroy"/>.</summary>
    public bool Destroyed { get; private set; }

    /// <summary>Receives posted and not yet consumed.</summary>
    public int Count => _count;

    internal int Users { get; set; }

    internal SimPd Pd => _pd;

    /// <inheritdoc/>
    public int PostRecv(ReadOnlySpan<RecvWorkRequest> wrs, out int badWrIndex)
    {
        lock (_pd.World.Gate)
        {
            VerbsContract.That(!Destroyed, _pd.World, VerbsContract.UseAfterDestroy, this, "ibv_post_srq_recv");
            var host = _pd.Context.Device.Host;
            var failAt = host.Fabric.Faults.TryPostError(host.HostName, Ordinal, Faults.PostQueue.Srq, ++_postCalls, wrs.Length, out var bad, out var injected) ? bad : -1;
            for (var i = 0; i < wrs.Length; i++)
            {
                if (i == failAt)
                {
                    host.Fabric.Faults.RecordPostError(host.HostName, 0, i, wrs[i].WrId, injected);
                    badWrIndex = i;
                    return injected;
                }

                VerbsContract.That(wrs[i].NumSge >= 0 && wrs[i].NumSge <= MaxSge, _pd.World, VerbsContract.PostBeyondCaps, this, "ibv_post_srq_recv: num_sge past max_sge");

                // Full, counting WQEs consumed whose completions are not polled yet (mlx5 frees them in ibv_poll_cq).
                VerbsContract.That(_count + _unpolled < _ring.Length, _pd.World, VerbsContract.PostBeyondCaps, this, "ibv_post_srq_recv: max_wr receives already in the SRQ");

                ReceiveLedger.Posted(_wrIds, wrs[i].WrId, _pd.World, this);
                _ring[(_head + _count) % _ring.Length] = wrs[i];
                _count++;
                _pd.World.Record(new TraceRecord
                {
                    Kind = TraceKind.PostRecv,
                    Node = _pd.Context.Device.Host.HostName,
                    WrId = wrs[i].WrId,
                    Op = "SRQ_RECV",
                    Length = wrs[i].TotalLength(),
                });
            }

            badWrIndex = -1;
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int Destroy()
    {
        lock (_pd.World.Gate)
        {
            VerbsContract.That(!Destroyed, _pd.World, VerbsContract.DestroyedTwice, this, "ibv_destroy_srq");
            if (Users > 0)
            {
                return Errno.EBUSY;
            }

            Destroyed = true;
            _pd.Context.Device.LiveSrqs--;
            _pd.Release();
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{_pd.Context.Device.Host.HostName}/srq";

    /// <summary>Takes the oldest receive (caller holds the gate).</summary>
    internal bool TryTake(out RecvWorkRequest wr)
    {
        if (_count == 0)
        {
            wr = default;
            return false;
        }

        wr = _ring[_head];
        _head = (_head + 1) % _ring.Length;
        _count--;
        _unpolled++;
        return true;
    }

    /// <summary>The completion of a WQE taken from this SRQ was polled: its slot is free (caller holds the gate).</summary>
    internal void ReleasePolled(ulong wrId)
    {
        _wrIds.Remove(wrId);
        SimCheck.That(_unpolled > 0, _pd.World, "srq-slot-release", this, "a polled completion gives back an SRQ slot that was not taken");
        _unpolled--;
    }

    /// <summary>The SRQ's WQE that <see cref="TryTake"/> gave out now has its completion: where it gives the slot back.</summary>
    internal SlotRelease Release(SimQp qp, int epoch) => SlotRelease.SrqRecv(this, qp, epoch);
}
