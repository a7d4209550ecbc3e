using System.Runtime.CompilerServices;
using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// librdmacm of this machine. Event channels are made non-blocking (as SPDK does); each <c>rdma_cm_event</c> got is
/// turned into a <see cref="CmEvent"/> whose id is the id's wrapper (so <see cref="ICmId.Context"/> is the consumer's
/// object) and is kept, unacked, until <see cref="AckEvent"/> hands it back to <c>rdma_ack_cm_event</c>.
/// </summary>
public sealed unsafe class NativeCm : IRdmaCm
{
    private readonly object _gate = new();
    private readonly Dictionary<nint, NativeCmId> _ids = new();
    private readonly Dictionary<CmEvent, nint> _unacked = new(ReferenceEqualityComparer.Instance);
    private long _nextSerial = 1;
    private long _nextSequence;
    private int _ackTimeoutFailures;

    internal NativeCm(NativeVerbs verbs) => Verbs = verbs;

    /// <summary>Events got and not yet acked (each holds its id's <c>rdma_destroy_id</c>).</summary>
    public int UnackedEvents
    {
        get
        {
            lock (_gate)
            {
                return _unacked.Count;
            }
        }
    }

    /// <summary>Live ids.</summary>
    public int LiveIds
    {
        get
        {
            lock (_gate)
            {
                return _ids.Count;
            }
        }
    }

    internal NativeVerbs Verbs { get; }

    /// <summary>The ACK timeout exponent set on every id (<see cref="NativeStackOptions.AckTimeoutExponent"/>), or null.</summary>
    internal byte? AckTimeoutExponent { get; init; }

    /// <summary>Incoming connections whose id refused the ACK timeout (they run with the CM's own).</summary>
    public int AckTimeoutFailures => Volatile.Read(ref _ackTimeoutFailures);

    internal NativeResourceTracker Resources => Verbs.Resources;

    /// <summary><c>rdma_create_event_channel</c>, then O_NONBLOCK on its fd. ENODEV when the machine has no RDMA device.</summary>
    public int CreateEventChannel(out ICmEventChannel? channel)
    {
        channel = null;
        var p = LibRdmacm.rdma_create_event_channel();
        if (p == null)
        {
            return NativeErrno.Last();
        }

        var handle = Resources.Add(new SafeRdmaEventChannelHandle((nint)p));
        var rc = LibC.SetNonBlocking(p->Fd);
        if (rc != Errno.Ok)
        {
            Resources.Remove(handle);
            handle.Dispose();
            return rc;
        }

        channel = new NativeCmEventChannel(this, handle);
        return Errno.Ok;
    }

    /// <inheritdoc/>
    public int CreateId(ICmEventChannel channel, object? context, PortSpace portSpace, out ICmId? id)
    {
        id = null;
        if (channel is not NativeCmEventChannel native || native.Handle.IsClosed)
        {
            return Errno.EINVAL;
        }

        var serial = Interlocked.Increment(ref _nextSerial);
        RdmaCmId* p;
        if (LibRdmacm.rdma_create_id(native.Native, &p, (nint)serial, (int)portSpace) != 0)
        {
            return NativeErrno.Last();
        }

        var created = Track(new NativeCmId(this, native, Resources.Add(new SafeRdmaCmIdHandle((nint)p)), serial) { Context = context });
        if (AckTimeoutExponent is { } exponent && created.SetAckTimeout(exponent) is var rc && rc != Errno.Ok)
        {
            created.Destroy(); // a connection without the asked-for timeout would make the run's fault a different one
            return rc;
        }

        id = created;
        return Errno.Ok;
    }

    /// <inheritdoc/>
    public int AckEvent(CmEvent ev)
    {
        nint native;
        lock (_gate)
        {
            if (!_unacked.Remove(ev, out native))
            {
                return Errno.EINVAL; // not got from this CM, or acked twice
            }
        }

        MarkAcked(ev);
        return NativeErrno.FromCm(LibRdmacm.rdma_ack_cm_event((RdmaCmEvent*)native));
    }

    /// <summary>Sets <see cref="CmEvent.Acked"/>, as the simulator does when an event is acked.</summary>
    internal static void MarkAcked(CmEvent ev) => SetAcked(ev, true);

    /// <summary>Turns a got <c>rdma_cm_event</c> into a <see cref="CmEvent"/> (private data copied) and keeps it until acked.</summary>
    internal CmEvent Adopt(NativeCmEventChannel channel, RdmaCmEvent* native) => Adopt(channel, native, p => new SafeRdmaCmIdHandle(p));

    /// <summary>As above; <paramref name="wrap"/> makes the handle of a new id (tests borrow fake ids).</summary>
    internal CmEvent Adopt(NativeCmEventChannel channel, RdmaCmEvent* native, Func<nint, SafeRdmaCmIdHandle> wrap)
    {
        var type = (CmEventType)native->Event;
        NativeCmId? listen = null;
        NativeCmId id;
        var newId = false;
        lock (_gate)
        {
            if (native->ListenId != null)
            {
                _ids.TryGetValue((nint)native->ListenId, out listen);
            }

            if (!_ids.TryGetValue((nint)native->Id, out var known))
            {
                // CONNECT_REQUEST: librdmacm made a new id for the incoming connection (context inherited from the listener).
                var serial = Interlocked.Increment(ref _nextSerial);
                native->Id->Context = (nint)serial;
                known = new NativeCmId(this, channel, Resources.Add(wrap((nint)native->Id)), serial);
                TrackLocked(known);
                newId = true;
            }

            id = known;
        }

        if (newId && AckTimeoutExponent is { } exponent && id.SetAckTimeout(exponent) != Errno.Ok)
        {
            Interlocked.Increment(ref _ackTimeoutFailures); // before rdma_accept, which programs the QP; counted, the event is still the consumer's
        }

        var param = ToManaged(native->Conn);
        var ev = new CmEvent(id, listen, type, native->Status, param, Interlocked.Increment(ref _nextSequence));
        lock (_gate)
        {
            _unacked.Add(ev, (nint)native);
        }

        return ev;
    }

    internal void Forget(NativeCmId id)
    {
        lock (_gate)
        {
            _ids.Remove(id.Handle.Pointer);
        }
    }

    /// <summary>Acks every event still held (so ids can be destroyed without waiting forever), at stack disposal.</summary>
    internal void AckAll()
    {
        List<CmEvent> events;
        lock (_gate)
        {
            events = _unacked.Keys.ToList();
        }

        foreach (var ev in events)
        {
            AckEvent(ev);
        }
    }

    internal static ConnParam ToManaged(in RdmaConnParam p) => new()
    {
        PrivateData = p.PrivateData == null || p.PrivateDataLen == 0 ? ReadOnlyMemory<byte>.Empty : new ReadOnlySpan<byte>(p.PrivateData, p.PrivateDataLen).ToArray(),
        ResponderResources = p.ResponderResources,
        InitiatorDepth = p.InitiatorDepth,
        FlowControl = p.FlowControl,
        RetryCount = p.RetryCount,
        RnrRetryCount = p.RnrRetryCount,
        Srq = p.Srq != 0,
        QpNum = p.QpNum,
    };

    /// <summary>
    /// <see cref="CmEvent.Acked"/> has an internal setter in the transport assembly; the native backend sets it through an
    /// accessor so consumers and tests see the same "acked" flag on both backends.
    /// </summary>
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_Acked")]
    private static extern void SetAcked(CmEvent ev, bool value);

    /// <summary>Registers an id (its events find it by the native pointer) and counts it on its channel.</summary>
    internal NativeCmId Track(NativeCmId id)
    {
        lock (_gate)
        {
            TrackLocked(id);
        }

        return id;
    }

    private void TrackLocked(NativeCmId id)
    {
        _ids.Add(id.Handle.Pointer, id);
        id.ChannelImpl.AddId();
        id.Handle.DependOn(id.ChannelImpl.Handle);
    }
}
