using Harness.Sim.Core;
using Harness.Sim.Tracing;
using Harness.Transport.Verbs;

namespace Harness.Sim.Nic;

/// <summary>
/// A simulated completion queue: a ring of <see cref="Cqe"/> entries. Each entry carries the virtual time from which
/// it is visible (delayed-completion faults); visibility times never decrease, so the ring stays FIFO.
/// Overrun (more completions than entries) raises async CQ_ERR and further completions are lost, as on hardware.
/// </summary>
public sealed class SimCq : ICompletionQueue, ISimEventTarget
{
    private const int EvVisible = 1;
    private readonly WorkCompletion[] _ring;
    private readonly long[] _visibleAtNs;
    private readonly SimContext _context;
    private int _head;
    private int _count;
    private long _lastVisibleNs;
    private long _wakeAtNs;
    private int _users;

    internal SimCq(SimContext context, int cqe, object? cqContext, int ordinal)
    {
        _context = context;
        _ring = new WorkCompletion[cqe];
        _visibleAtNs = new long[cqe];
        CqContext = cqContext;
        Ordinal = ordinal;
    }

    /// <inheritdoc/>
    public object? CqContext { get; }

    /// <inheritdoc/>
    public int Cqe => _ring.Length;

    /// <summary>Creation order on its host (what fault plans select CQs by).</summary>
    public int Ordinal { get; }

    /// <summary>True once the CQ overran.</summary>
    public bool Overrun { get; private set; }

    /// <summary>Completions waiting to be polled (visible or not yet).</summary>
    public int Count => _count;

    /// <summary>Completions lost to overrun.</summary>
    public long Lost { get; private set; }

    private SimWorld World => _context.World;

    /// <inheritdoc/>
    public int Poll(Span<WorkCompletion> wcs)
    {
        lock (World.Gate)
        {
            var now = World.NowNs;
            var n = 0;
            while (n < wcs.Length && _count > 0 && _visibleAtNs[_head] <= now)
            {
                wcs[n++] = _ring[_head];
                _head = (_head + 1) % _ring.Length;
                _count--;
            }

            return n;
        }
    }

    /// <inheritdoc/>
    public int Destroy()
    {
        lock (World.Gate)
        {
            return _users > 0 ? Errno.EBUSY : Errno.Ok;
        }
    }

    internal void AddUser() => _users++;

    internal void RemoveUser() => _users--;

    /// <summary>Writes a completion (caller holds the gate) and traces it.</summary>
    internal void Push(in WorkCompletion wc, string host)
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

        if (_count == _ring.Length)
        {
            Overrun = true;
            Lost++;
            World.Record(new TraceRecord { Kind = TraceKind.CqOverrun, Node = host, Arg = Ordinal });
            _context.RaiseAsyncEvent(new AsyncEvent(AsyncEventType.CqErr, null, this, null, 1));
            return;
        }

        var visible = Math.Max(_lastVisibleNs, World.NowNs + _context.Device.Host.Fabric.Faults.CqDelayNs(host, Ordinal));
        _lastVisibleNs = visible;
        var tail = (_head + _count) % _ring.Length;
        _ring[tail] = wc;
        _visibleAtNs[tail] = visible;
        _count++;
        ScheduleVisibility(visible);
    }

    /// <inheritdoc/>
    public void OnEvent(int kind, long a, long b)
    {
        // A delayed completion became visible: nothing to do but let time get here (pollers see it now).
    }

    /// <summary>
    /// Threaded mode has no idle reactor ticks: virtual time moves only from event to event, so a completion that becomes
    /// visible later needs an event at that time, or a world with nothing else scheduled would never reach it. (The
    /// cooperative mode's idle reactors wake every millisecond anyway; it schedules nothing, so its traces are unchanged.)
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
    private readonly RecvWorkRequest[] _ring;
    private readonly SimPd _pd;
    private int _head;
    private int _count;
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

    /// <summary>Receives posted and not yet consumed.</summary>
    public int Count => _count;

    internal int Users { get; set; }

    internal SimPd Pd => _pd;

    /// <inheritdoc/>
    public int PostRecv(ReadOnlySpan<RecvWorkRequest> wrs, out int badWrIndex)
    {
        lock (_pd.World.Gate)
        {
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

                if (wrs[i].NumSge < 0 || wrs[i].NumSge > MaxSge)
                {
                    badWrIndex = i;
                    return Errno.EINVAL;
                }

                if (_count == _ring.Length)
                {
                    badWrIndex = i;
                    return Errno.ENOMEM;
                }

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
            if (Users > 0)
            {
                return Errno.EBUSY;
            }

            _pd.Release();
            return Errno.Ok;
        }
    }

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
        return true;
    }
}
