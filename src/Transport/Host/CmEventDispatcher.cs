using Harness.Transport.Invariants;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// The controller's CM event channel, shared by all its qpairs (SPDK: <c>rctrlr-&gt;cm_channel</c>, the per-qpair
/// slot <c>rqpair-&gt;evt</c> and <c>pending_cm_events</c>). Any thread holding the controller lock may drain the
/// channel; each event goes to its qpair's single slot, or, when that is taken, to the bounded pending list, from
/// which it moves into the slot once the owner has consumed the previous one. An event is acked exactly once: by
/// the qpair that consumes it, by the sweep when the qpair is destroyed, or on the spot when the pending list is full.
/// </summary>
internal sealed class CmEventDispatcher
{
    private readonly IRdmaCm _cm;
    private readonly ControllerLock _lock;
    private readonly List<CmEvent> _pending;
    private readonly int _pendingMax;
    private readonly string _name;
    private readonly Threading.IMeetingPoints? _meetingPoints;
    private long _eventsAcked;

    public CmEventDispatcher(IRdmaCm cm, ICmEventChannel channel, ControllerLock ctrlrLock, int pendingMax, string name, Threading.IMeetingPoints? meetingPoints = null)
    {
        _meetingPoints = meetingPoints;
        _cm = cm;
        Channel = channel;
        _lock = ctrlrLock;
        _pendingMax = pendingMax;
        _pending = new List<CmEvent>(pendingMax);
        _name = name;
    }

    public ICmEventChannel Channel { get; }

    public int PendingCount => _pending.Count;

    public long EventsGot { get; private set; }

    /// <summary>Events acked (by the lock holder or, for an unsolicited event, by its owner without the lock: atomic).</summary>
    public long EventsAcked => Interlocked.Read(ref _eventsAcked);

    /// <summary>Events reaped by a thread other than the one owning the event's qpair (handed over through the slot).</summary>
    public long EventsHandedOver { get; private set; }

    /// <summary>Events acked and dropped because the pending list was full.</summary>
    public long EventsDropped { get; private set; }

    /// <summary>
    /// SPDK nvme_rdma_poll_events: moves pending events into free slots, then drains the channel into slots or the
    /// pending list. Must run under the controller lock, held by <paramref name="owner"/>. Returns the errno that ended
    /// the drain (EAGAIN: channel empty), or ENOMEM when an event had to be dropped.
    /// </summary>
    public int PollEvents(object owner)
    {
        Check.That(_lock.IsHeldBy(owner), InvariantNames.StateTransition, (this, owner),
            s => $"{s.Item1._name}: CM events polled by {s.owner} without the controller lock ({s.Item1._lock})");
        for (var i = 0; i < _pending.Count;)
        {
            var qpair = QpairOf(_pending[i]);
            if (qpair.Evt == null)
            {
                qpair.Evt = _pending[i];
                _pending.RemoveAt(i);
            }
            else
            {
                i++;
            }
        }

        int rc;
        while ((rc = GetEvent(out var ev)) == Errno.Ok)
        {
            EventsGot++;
            var qpair = QpairOf(ev!);
            EventsHandedOver += ReferenceEquals(qpair.Owner, owner) ? 0 : 1;
            if (qpair.Evt == null)
            {
                qpair.Evt = ev;
            }
            else if (_pending.Count < _pendingMax)
            {
                _pending.Add(ev!);
            }
            else
            {
                Ack(ev!);
                EventsDropped++;
                return Errno.ENOMEM;
            }
        }

        return rc;
    }

    /// <summary>
    /// The first half of SPDK nvme_rdma_qpair_destroy: acks the qpair's slot event and every pending event of the
    /// qpair. Only safe under the controller lock (the place events are added takes it too).
    /// </summary>
    public void Sweep(NvmeRdmaQpair qpair)
    {
        if (qpair.Evt is { } slot)
        {
            qpair.Evt = null;
            Ack(slot);
        }

        for (var i = 0; i < _pending.Count;)
        {
            if (ReferenceEquals(_pending[i].Id.Context, qpair))
            {
                var ev = _pending[i];
                _pending.RemoveAt(i);
                Ack(ev);
            }
            else
            {
                i++;
            }
        }
    }

    /// <summary>rdma_ack_cm_event, checked.</summary>
    public void Ack(CmEvent ev)
    {
        _meetingPoints?.At(Threading.MeetingPoint.HostCmAckEvent);
        var rc = _cm.AckEvent(ev);
        Check.That(rc == Errno.Ok, InvariantNames.CompletesOnce, (_name, ev, rc),
            s => $"{s._name}: rdma_ack_cm_event({s.ev}) failed with {Errno.Name(s.rc)}: every CM event must be acked exactly once");
        Interlocked.Increment(ref _eventsAcked);
    }

    /// <summary>At controller teardown: nothing parked, every event got was acked.</summary>
    public void CheckDrained()
    {
        Check.That(_pending.Count == 0 && EventsGot == EventsAcked, InvariantNames.NoLeakOnDestroy, this,
            d => $"{d._name}: {d._pending.Count} CM event(s) still pending, {d.EventsGot} got, {d.EventsAcked} acked");
    }

    /// <inheritdoc/>
    public override string ToString() => $"{_name} CM channel";

    private int GetEvent(out CmEvent? ev)
    {
        _meetingPoints?.At(Threading.MeetingPoint.HostCmGetEvent);
        return Channel.GetEvent(out ev);
    }

    private NvmeRdmaQpair QpairOf(CmEvent ev)
    {
        if (ev.Id.Context is NvmeRdmaQpair qpair)
        {
            return qpair;
        }

        throw new InvariantViolationException(InvariantNames.StateTransition, $"{_name}: CM event {ev} on the controller's channel for an id without a qpair");
    }
}
