using Harness.Sim.Contract;
using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Sim.Tracing;
using Harness.Transport.Verbs;

namespace Harness.Sim.Nic;

/// <summary>
/// A simulated RC queue pair. The send queue is processed strictly in order: each WR is transmitted (lost packets are
/// retransmitted after the ACK timeout, up to retry_cnt), executed at the responder (RNR, rkey/bounds/access checks,
/// data copy), and completed; completions are reported in posting order. The first error completion moves the QP to
/// ERR and every outstanding WR, send and receive, then completes with WR_FLUSH_ERR in posting order.
/// </summary>
public sealed partial class SimQp : IQueuePair, ISimEventTarget
{
    private const int EvTransmit = 1;
    private const int EvArrive = 2;
    private const int EvDone = 3;

    private readonly SimPd _pd;
    private readonly SimCq _sendCq;
    private readonly SimCq _recvCq;
    private readonly SimSrq? _srq;
    private readonly QpCap _cap;
    private readonly bool _sqSigAll;
    private readonly SendSlot[] _sq;
    private readonly RecvWorkRequest[] _rq;
    private readonly byte[][]? _inline;
    private readonly int[] _kindCounts = new int[5];
    private QpAttr _attr;
    private long _sqFree;
    private long _sqHead;
    private long _sqStart;
    private long _sqTail;
    private int _rqHead;
    private int _rqCount;
    private int _rqUnpolled;
    private int _srqUnpolled;

    /// <summary>wr_ids of the receives posted and not yet polled (one buffer must not be posted twice).</summary>
    private readonly HashSet<ulong> _recvWrIds = new();
    private int _epoch;
    private long _txFreeNs;
    private int _readsInFlight;
    private long _ticketSeq;
    private bool _draining;
    private bool _sqdNotify;

    internal SimQp(SimPd pd, in QpInitAttr init)
    {
        _pd = pd;
        _sendCq = (SimCq)init.SendCq;
        _recvCq = (SimCq)init.RecvCq;
        _srq = init.Srq as SimSrq;
        _cap = init.Cap;
        _sqSigAll = init.SqSigAll;
        QpContext = init.QpContext;
        _sq = new SendSlot[init.Cap.MaxSendWr];
        _rq = _srq == null ? new RecvWorkRequest[init.Cap.MaxRecvWr] : Array.Empty<RecvWorkRequest>();
        if (init.Cap.MaxInlineData > 0)
        {
            _inline = new byte[_sq.Length][];
            for (var i = 0; i < _inline.Length; i++)
            {
                _inline[i] = new byte[init.Cap.MaxInlineData];
            }
        }

        _sendCq.AddUser();
        _recvCq.AddUser();
        if (_srq != null)
        {
            _srq.Users++;
        }

        QpNum = Device.AddQp(this);
        Ordinal = Device.Host.NextQpOrdinal();
        Device.Host.Register(this);
        World.Record(new TraceRecord { Kind = TraceKind.QpState, Node = HostName, Qp = QpNum, Op = "RESET", Text = "create", Arg = Ordinal });
    }

    /// <inheritdoc/>
    public uint QpNum { get; }

    /// <summary>Creation order on its host: what fault plans select QPs by.</summary>
    public int Ordinal { get; }

    /// <inheritdoc/>
    public object? QpContext { get; }

    /// <inheritdoc/>
    public QpState State { get; private set; } = QpState.Reset;

    /// <inheritdoc/>
    ISharedReceiveQueue? IQueuePair.Srq => _srq;

    /// <summary>True after <see cref="Destroy"/>.</summary>
    public bool Destroyed { get; private set; }

    /// <summary>Send WRs posted and not yet completed.</summary>
    public int OutstandingSends => (int)(_sqTail - _sqHead);

    /// <summary>Receives posted to this QP's own receive queue and not yet consumed.</summary>
    public int OutstandingRecvs => _rqCount;

    /// <summary>
    /// Work the consumer has not seen the end of: send slots not yet freed by a polled completion, receives still
    /// posted, receive completions (own queue or SRQ) not yet polled, and async events about the QP not yet got or
    /// not yet acked. Zero means the NIC holds nothing more of this QP for its consumer.
    /// </summary>
    public int WorkNotPolled => SendSlotsInUse + _rqCount + _rqUnpolled + _srqUnpolled + QueuedAsyncEvents + UnackedAsyncEvents;

    /// <summary>
    /// Send-queue WRs carrying <paramref name="wrId"/> that the consumer has not seen the end of (posted, or completed
    /// but their slot not yet freed by a polled completion). A scan of the send queue: for oracles, not the data path.
    /// </summary>
    public int SendWrsHeld(ulong wrId)
    {
        var held = 0;
        for (var seq = _sqFree; seq < _sqTail && !Destroyed; seq++)
        {
            held += _sq[SlotIndex(seq)].Wr.WrId == wrId ? 1 : 0;
        }

        return held;
    }

    /// <summary>Async events about this QP raised and not yet got with ibv_get_async_event.</summary>
    internal int QueuedAsyncEvents { get; set; }

    /// <summary>Send-queue slots taken: posted WRs plus finished ones whose completion (or a later one) is not polled yet.</summary>
    public int SendSlotsInUse => (int)(_sqTail - _sqFree);

    /// <summary>RDMA READs on the wire (bounded by max_rd_atomic).</summary>
    public int ReadsInFlight => _readsInFlight;

    /// <summary>The QP's current attributes.</summary>
    public QpAttr Attributes => _attr;

    /// <summary>Called (under the gate) when the QP enters ERR; the CM uses it to tear the connection down.</summary>
    internal Action<SimQp>? ErrorEntered { get; set; }

    public string HostName => Device.Host.HostName;

    internal SimDevice Device => _pd.Context.Device;

    private SimWorld World => _pd.World;

    /// <summary>Checks creation attributes (caller holds the gate).</summary>
    internal static int ValidateInit(SimPd pd, in QpInitAttr init)
    {
        var o = pd.Context.Device.Host.Fabric.Options;
        if (!pd.Live || pd.Context.Device.Removed)
        {
            return Errno.ENODEV;
        }

        if (init.QpType != QpType.Rc)
        {
            return Errno.ENOSYS;
        }

        if (init.SendCq is not SimCq || init.RecvCq is not SimCq || (init.Srq != null && init.Srq is not SimSrq))
        {
            return Errno.EINVAL;
        }

        var c = init.Cap;
        var recvOk = init.Srq != null || (c.MaxRecvWr >= 1 && c.MaxRecvWr <= o.MaxQpWr && c.MaxRecvSge <= o.MaxSge);
        var sendOk = c.MaxSendWr >= 1 && c.MaxSendWr <= o.MaxQpWr && c.MaxSendSge <= o.MaxSge && c.MaxSendSge <= VerbsLimits.SgeCountMax;
        return recvOk && sendOk && c.MaxInlineData <= 1024 ? Errno.Ok : Errno.EINVAL;
    }

    /// <inheritdoc/>
    public int Query(out QpAttr attr, out QpInitAttr initAttr)
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.UseAfterDestroy, this, "ibv_query_qp");
            attr = _attr;
            attr.QpState = State;
            attr.Cap = _cap;
            initAttr = new QpInitAttr { QpContext = QpContext, SendCq = _sendCq, RecvCq = _recvCq, Srq = _srq, Cap = _cap, QpType = QpType.Rc, SqSigAll = _sqSigAll };
            return Destroyed ? Errno.EINVAL : Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int Destroy()
    {
        lock (World.Gate)
        {
            VerbsContract.That(!Destroyed, World, VerbsContract.DestroyedTwice, this, "ibv_destroy_qp");
            WaitUntilAsyncEventsAcked();
            Destroyed = true;
            var dropped = _pd.Context.DropQueuedAsyncEvents(this);
            Device.RemoveQp(QpNum);
            _sendCq.RemoveUser();
            _recvCq.RemoveUser();
            if (_srq != null)
            {
                _srq.Users--;
            }

            _pd.Release();
            World.Record(new TraceRecord { Kind = TraceKind.QpState, Node = HostName, Qp = QpNum, Op = State.ToName(), Text = dropped == 0 ? "destroy" : $"destroy ({dropped} unread async event(s) dropped)" });
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public void OnEvent(int kind, long a, long b)
    {
        if (Destroyed)
        {
            return;
        }

        var index = (int)a;
        if (_sq[index].Ticket != b)
        {
            return; // stale: the WR was flushed or the QP reset since this event was scheduled
        }

        switch (kind)
        {
            case EvTransmit:
                OnTransmit(index);
                break;
            case EvArrive:
                OnArrive(index);
                break;
            case EvDone:
                OnDone(index);
                break;
            default:
                throw new InvalidOperationException($"QP 0x{QpNum:x} on {HostName}: unknown event kind {kind}");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{HostName}/qp 0x{QpNum:x} ({State.ToName()})";

    /// <summary>Async events about this QP got with ibv_get_async_event and not yet acked.</summary>
    internal int UnackedAsyncEvents { get; set; }

    /// <summary>
    /// rdma-core's ibv_destroy_qp waits until every async event reported for the QP is acked. Under threads (Coyote)
    /// another thread may still ack; single-threaded nobody can, so it is a certain hang and reported as a violation.
    /// </summary>
    private void WaitUntilAsyncEventsAcked()
    {
        while (UnackedAsyncEvents > 0)
        {
            VerbsContract.That(Device.Host.Fabric.Threading == Fabric.SimThreading.Threaded, World, VerbsContract.UnackedEventsOnDestroy, this,
                $"ibv_destroy_qp with {UnackedAsyncEvents} async event(s) not acked");
            World.WaitForAck();
        }
    }

    /// <summary>True when this QP writes completions (send or receive) to <paramref name="cq"/>.</summary>
    internal bool CompletesTo(SimCq cq) => ReferenceEquals(_sendCq, cq) || ReferenceEquals(_recvCq, cq);

    /// <summary>
    /// How many completions this QP can have in <paramref name="cq"/> at once: its send queue's WRs if it completes sends
    /// there, its receive queue's (or its SRQ's, counted once through <paramref name="srqsCounted"/>) if receives.
    /// </summary>
    internal long CompletionsMax(SimCq cq, List<SimSrq> srqsCounted)
    {
        long n = ReferenceEquals(_sendCq, cq) ? _sq.Length : 0;
        if (ReferenceEquals(_recvCq, cq))
        {
            if (_srq == null)
            {
                n += _rq.Length;
            }
            else if (!srqsCounted.Contains(_srq))
            {
                srqsCounted.Add(_srq);
                n += _srq.MaxWr;
            }
        }

        return n;
    }

    /// <summary>Forces the QP to ERR (fault injection, CM disconnect, device removal). Caller holds the gate.</summary>
    internal void ForceError(string why)
    {
        if (Destroyed || State is QpState.Err or QpState.Reset)
        {
            return;
        }

        World.Record(new TraceRecord { Kind = TraceKind.Note, Node = HostName, Qp = QpNum, Text = why });
        EnterError();
    }

    /// <summary>Raises an async event for this QP on its context. Caller holds the gate.</summary>
    internal void RaiseAsync(AsyncEventType type) => _pd.Context.RaiseAsyncEvent(new AsyncEvent(type, this, null, null, 1));

    private void SetState(QpState next)
    {
        var previous = State;
        State = next;
        World.Record(new TraceRecord { Kind = TraceKind.QpState, Node = HostName, Qp = QpNum, Op = next.ToName(), Arg = (long)previous, Text = next == QpState.Rtr ? DestText() : null });
    }

    /// <summary>The connected peer at RTR (<c>dest HOST/0xQPN</c>), so a trace pairs the two ends of each connection.</summary>
    private string DestText()
    {
        var host = Device.Host.Fabric.FindHost(_attr.AhAttr.Dgid)?.HostName ?? "?";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"dest {host}/0x{_attr.DestQpNum:x}");
    }

    private long NewTicket() => ++_ticketSeq;

    /// <summary>
    /// A send completion was polled: every slot up to and including its WQE is free again (unsignaled WRs before it
    /// included, as mlx5 moves the SQ tail to the polled WQE). Caller holds the gate.
    /// </summary>
    internal void ReleaseSendSlots(long freeTo, int epoch)
    {
        if (Destroyed || epoch != _epoch || freeTo <= _sqFree)
        {
            return;
        }

        SimCheck.That(freeTo <= _sqHead, World, "sq-slot-release", this, "a polled completion frees send slots that were never reported");
        _sqFree = freeTo;
    }

    /// <summary>A receive completion of this QP's own receive queue was polled. Caller holds the gate.</summary>
    internal void ReleaseRecvSlot(int epoch, ulong wrId)
    {
        if (Destroyed || epoch != _epoch)
        {
            return;
        }

        _recvWrIds.Remove(wrId);
        SimCheck.That(_rqUnpolled > 0, World, "rq-slot-release", this, "a polled completion frees a receive slot that was not consumed");
        _rqUnpolled--;
    }

    /// <summary>A receive completion of this QP for a WQE taken from its SRQ was polled. Caller holds the gate.</summary>
    internal void SrqRecvPolled(int epoch)
    {
        if (Destroyed || epoch != _epoch)
        {
            return;
        }

        SimCheck.That(_srqUnpolled > 0, World, "srq-recv-release", this, "a polled SRQ receive completion was never written for this QP");
        _srqUnpolled--;
    }

    private int SlotIndex(long seq) => (int)(seq % _sq.Length);

    private static WrKind KindOf(WrOpcode op) => op switch
    {
        WrOpcode.RdmaRead => WrKind.RdmaRead,
        WrOpcode.RdmaWrite or WrOpcode.RdmaWriteWithImm => WrKind.RdmaWrite,
        _ => WrKind.Send,
    };

    private struct SendSlot
    {
        public SendWorkRequest Wr;
        public SlotPhase Phase;
        public WcStatus Status;
        public WcStatus PendingStatus;
        public WcStatus InjectedStatus;
        public WrKind Kind;
        public long Ticket;
        public int Attempts;
        public int DropsLeft;
        public int RnrAttempts;
        public bool HoldsReadCredit;

        /// <summary>The PSN of the WR's first packet (a READ takes one per response packet), fixed at its first transmission.</summary>
        public uint FirstPsn;

        /// <summary>The WR was put on the wire at least once: any later transmission is a retransmission.</summary>
        public bool Transmitted;

        /// <summary>The responder has executed (or NAKed) this WR: later WRs may now execute (RC in-order delivery).</summary>
        public bool Delivered;
    }

    private enum SlotPhase : byte
    {
        Free,
        Posted,
        InFlight,
        Done,
    }
}
