using Harness.Sim.Contract;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Tracing;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Sim.Cm;

/// <summary>librdmacm of one simulated host.</summary>
public sealed class SimCm : IRdmaCm
{
    private readonly List<SimCmId> _ids = new();
    private int _nextPort = 49152;

    internal SimCm(SimHost host) => Host = host;

    public SimHost Host { get; }

    /// <summary>Every id created on this host, in creation order (destroyed ones included).</summary>
    public IReadOnlyList<SimCmId> Ids => _ids;

    internal SimWorld World => Host.World;

    /// <summary>
    /// CM events raised on this host and not yet delivered to their channel (e.g. a CONNECT_REQUEST whose id the REQ
    /// already created, delayed by a fault): while any is, the host's CM is not done, whatever its application thinks.
    /// </summary>
    public int EventsInFlight
    {
        get
        {
            var n = 0;
            foreach (var id in _ids)
            {
                n += id.EventsInFlight;
            }

            return n;
        }
    }

    /// <inheritdoc/>
    public int CreateEventChannel(out ICmEventChannel? channel)
    {
        lock (World.Gate)
        {
            channel = new SimCmEventChannel(this);
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int CreateId(ICmEventChannel channel, object? context, PortSpace portSpace, out ICmId? id)
    {
        lock (World.Gate)
        {
            id = null;
            if (channel is not SimCmEventChannel sim || sim.Cm != this || sim.Destroyed || portSpace != PortSpace.Tcp)
            {
                return Errno.EINVAL;
            }

            id = NewId(sim, context);
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int AckEvent(CmEvent ev)
    {
        var rc = AckEventLocked(ev);
        if (rc == Errno.Ok)
        {
            World.SignalAck(); // wakes a destroy waiting for this ack
        }

        return rc;
    }

    private int AckEventLocked(CmEvent ev)
    {
        lock (World.Gate)
        {
            if (ev.Acked)
            {
                VerbsContract.Violated(World, VerbsContract.AckedTwice, ev.Id, $"rdma_ack_cm_event({ev.EventType.ToName()})"); // formatted only when broken: every event is acked
            }

            if (ev.Id is not SimCmId id)
            {
                return Errno.EINVAL;
            }

            ev.Acked = true;
            id.UnackedEvents--;
            World.Record(new TraceRecord { Kind = TraceKind.CmAck, Node = Host.HostName, Op = ev.EventType.ToName(), Arg = id.Serial });
            return Errno.Ok;
        }
    }

    internal SimCmId NewId(SimCmEventChannel channel, object? context)
    {
        var id = new SimCmId(this, channel, context, Host.Fabric.NextCmIdSerial());
        _ids.Add(id);
        Host.Fabric.RegisterCmId(id);
        channel.IdCount++;
        return id;
    }

    internal int NextEphemeralPort() => _nextPort++;

    /// <summary>DEVICE_REMOVAL on every live id bound to this host's device (caller holds the gate).</summary>
    internal void RaiseDeviceRemoval()
    {
        foreach (var id in _ids)
        {
            if (!id.Destroyed && id.Verbs != null)
            {
                id.Raise(CmEventType.DeviceRemoval, 0, default);
            }
        }
    }

    /// <summary>ADDR_CHANGE on every live id with a local address (caller holds the gate).</summary>
    internal void RaiseAddrChange()
    {
        foreach (var id in _ids)
        {
            if (!id.Destroyed && id.LocalAddress != null)
            {
                id.Raise(CmEventType.AddrChange, 0, default);
            }
        }
    }
}

/// <summary>An event channel shared by any number of ids; events wait here until <see cref="GetEvent"/>.</summary>
public sealed class SimCmEventChannel : ICmEventChannel
{
    private readonly Queue<CmEvent> _ready = new();
    private readonly Waiters _waiters = new(); // the reactors that polled this channel: an event wakes them

    internal SimCmEventChannel(SimCm cm) => Cm = cm;

    internal SimCm Cm { get; }

    internal int IdCount { get; set; }

    public bool Destroyed { get; private set; }

    /// <summary>Events ready and not yet got.</summary>
    public int ReadyCount => _ready.Count;

    /// <inheritdoc/>
    public int GetEvent(out CmEvent? ev)
    {
        lock (Cm.World.Gate)
        {
            _waiters.Watch(Cm.World);
            if (Destroyed || !_ready.TryDequeue(out ev))
            {
                ev = null;
                return Destroyed ? Errno.EINVAL : Errno.EAGAIN;
            }

            ((SimCmId)ev.Id).UnackedEvents++;
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int Destroy()
    {
        lock (Cm.World.Gate)
        {
            if (IdCount > 0)
            {
                return Errno.EBUSY;
            }

            Destroyed = true;
            return Errno.Ok;
        }
    }

    internal void Enqueue(CmEvent ev)
    {
        _ready.Enqueue(ev);
        _waiters.Wake(Cm.World.NowNs);
    }

    /// <summary>Discards events of a destroyed id that were never got (as the kernel's ucma does).</summary>
    internal void DiscardFor(SimCmId id)
    {
        var count = _ready.Count;
        for (var i = 0; i < count; i++)
        {
            var ev = _ready.Dequeue();
            if (ev.Id != id)
            {
                _ready.Enqueue(ev);
            }
        }
    }
}
