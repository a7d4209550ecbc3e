using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>Asynchronous events: the event's element pointer is mapped back to the QP, CQ or SRQ wrapper.</summary>
public sealed unsafe partial class NativeContext
{
    private readonly object _eventsGate = new();
    private readonly Dictionary<nint, object> _elements = new();
    private readonly List<IbvAsyncEvent> _unacked = new();

    /// <summary>Async events got and not yet acked (destroying their object waits for the ack in libibverbs).</summary>
    public int UnackedAsyncEvents
    {
        get
        {
            lock (_eventsGate)
            {
                return _unacked.Count;
            }
        }
    }

    /// <inheritdoc/>
    public int GetAsyncEvent(out AsyncEvent ev)
    {
        ev = default;
        if (AsyncFdErrno != Errno.Ok)
        {
            return AsyncFdErrno; // the fd is blocking: reading it could hang the poller
        }

        using var lease = Handle.Lease();
        IbvAsyncEvent native;
        if (!lease.Held)
        {
            return Errno.EINVAL;
        }

        if (LibIbverbs.ibv_get_async_event(Native, &native) != 0)
        {
            return NativeErrno.Last(); // EAGAIN when none is pending
        }

        lock (_eventsGate)
        {
            _unacked.Add(native);
            ev = ToManaged(native);
        }

        return Errno.Ok;
    }

    /// <inheritdoc/>
    public void AckAsyncEvent(in AsyncEvent ev)
    {
        IbvAsyncEvent native;
        lock (_eventsGate)
        {
            var i = 0;
            while (i < _unacked.Count && !Matches(_unacked[i], ev))
            {
                i++;
            }

            if (i == _unacked.Count)
            {
                throw new InvalidOperationException($"{this}: async event {ev.EventType.ToName()} acked but it was not got (or acked twice)");
            }

            native = _unacked[i];
            _unacked.RemoveAt(i);
        }

        LibIbverbs.ibv_ack_async_event(&native);
    }

    /// <summary>The kind of object an event's element points at (<c>ibv_get_async_event(3)</c>).</summary>
    internal static AsyncElement ElementOf(AsyncEventType type) => type switch
    {
        AsyncEventType.QpFatal or AsyncEventType.QpReqErr or AsyncEventType.QpAccessErr or AsyncEventType.CommEst or
            AsyncEventType.SqDrained or AsyncEventType.PathMig or AsyncEventType.PathMigErr or AsyncEventType.QpLastWqeReached => AsyncElement.Qp,
        AsyncEventType.CqErr => AsyncElement.Cq,
        AsyncEventType.SrqErr or AsyncEventType.SrqLimitReached => AsyncElement.Srq,
        AsyncEventType.PortActive or AsyncEventType.PortErr or AsyncEventType.LidChange or AsyncEventType.PkeyChange or
            AsyncEventType.SmChange or AsyncEventType.ClientReregister or AsyncEventType.GidChange => AsyncElement.Port,
        AsyncEventType.WqFatal => AsyncElement.Wq,
        _ => AsyncElement.Device,
    };

    internal void Register(object wrapper)
    {
        lock (_eventsGate)
        {
            _elements[PointerOf(wrapper)] = wrapper;
        }
    }

    internal void Unregister(object wrapper)
    {
        lock (_eventsGate)
        {
            _elements.Remove(PointerOf(wrapper));
        }
    }

    private static nint PointerOf(object wrapper) => wrapper switch
    {
        NativeQp qp => qp.Handle.Pointer,
        NativeCq cq => cq.Handle.Pointer,
        NativeSrq srq => srq.Handle.Pointer,
        _ => throw new ArgumentException($"not an async event element: {wrapper}", nameof(wrapper)),
    };

    private AsyncEvent ToManaged(in IbvAsyncEvent native)
    {
        var type = (AsyncEventType)native.EventType;
        var element = ElementOf(type);
        _elements.TryGetValue(native.Element, out var wrapper);
        return element switch
        {
            AsyncElement.Qp => new AsyncEvent(type, wrapper as NativeQp, null, null, 0),
            AsyncElement.Cq => new AsyncEvent(type, null, wrapper as NativeCq, null, 0),
            AsyncElement.Srq => new AsyncEvent(type, null, null, wrapper as NativeSrq, 0),
            AsyncElement.Port => new AsyncEvent(type, null, null, null, (byte)native.PortNum),
            _ => new AsyncEvent(type, null, null, null, 0),
        };
    }

    private bool Matches(in IbvAsyncEvent native, in AsyncEvent ev) =>
        native.EventType == (int)ev.EventType && ToManaged(native) == ev;
}
