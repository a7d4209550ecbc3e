using Harness.Sim.Contract;
using Harness.Sim.Core;
using Harness.Sim.Tracing;
using Harness.Transport.Verbs;

namespace Harness.Sim.Nic;

/// <summary>An open simulated device: async event queue, PDs and CQs.</summary>
public sealed class SimContext : IVerbsContext
{
    /// <summary>Async events kept before the oldest is dropped (a consumer that never reads them).</summary>
    public const int AsyncEventsQueuedMax = 4096;

    private readonly Queue<AsyncEvent> _asyncEvents = new();
    private readonly Waiters _asyncWaiters = new(); // the reactors that polled the async events: a new one wakes them

    internal SimContext(SimDevice device) => Device = device;

    /// <inheritdoc/>
    IVerbsDevice IVerbsContext.Device => Device;

    public SimDevice Device { get; }

    internal SimWorld World => Device.World;

    /// <summary>Async events delivered and not yet acked.</summary>
    public int UnackedAsyncEvents { get; private set; }

    /// <inheritdoc/>
    public int QueryDevice(out DeviceAttr attr)
    {
        var o = Device.Host.Fabric.Options;
        attr = new DeviceAttr
        {
            FwVer = "16.35.2000 (sim)",
            NodeGuid = Device.Guid,
            VendorId = Device.Host.Fabric.Options.Provider == SimProvider.Rxe ? VerbsVendors.RxeVendorIdNew : VerbsVendors.MellanoxVendorId,
            VendorPartId = 4123,
            MaxQp = 131_072,
            MaxQpWr = o.MaxQpWr,
            MaxSge = o.MaxSge,
            MaxCq = 16_777_216,
            MaxCqe = o.MaxCqe,
            MaxMr = 16_777_216,
            MaxMrSize = ulong.MaxValue,
            MaxPd = 16_777_216,
            MaxQpRdAtom = o.MaxQpRdAtom,
            MaxQpInitRdAtom = o.MaxQpRdAtom,
            MaxSrq = 8_388_608,
            MaxSrqWr = o.MaxSrqWr,
            MaxSrqSge = o.MaxSge,
            PhysPortCnt = 1,
        };
        return Device.Removed ? Errno.ENODEV : Errno.Ok;
    }

    /// <inheritdoc/>
    public int QueryPort(byte portNum, out PortAttr attr)
    {
        attr = new PortAttr { State = Device.PortState, MaxMtu = Mtu.Mtu4096, ActiveMtu = Mtu.Mtu4096, GidTblLen = 1, LinkLayer = 2 };
        return portNum != 1 ? Errno.EINVAL : Device.Removed ? Errno.ENODEV : Errno.Ok;
    }

    /// <inheritdoc/>
    public int QueryGid(byte portNum, int index, out Gid gid)
    {
        gid = Device.Host.Gid;
        return portNum != 1 || index != 0 ? Errno.EINVAL : Errno.Ok;
    }

    /// <inheritdoc/>
    public int AllocPd(out IProtectionDomain? pd)
    {
        lock (World.Gate)
        {
            pd = Device.Removed ? null : new SimPd(this);
            return pd == null ? Errno.ENODEV : Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int CreateCq(int cqe, object? cqContext, out ICompletionQueue? cq)
    {
        lock (World.Gate)
        {
            cq = null;
            if (Device.Removed)
            {
                return Errno.ENODEV;
            }

            if (cqe < 1 || cqe > Device.Host.Fabric.Options.MaxCqe)
            {
                return Errno.EINVAL;
            }

            if (Device.Host.Fabric.Faults.TryCallError(Device.Host.HostName, Faults.VerbsCall.CreateCq, out var failed))
            {
                return failed;
            }

            cq = new SimCq(this, ProvidedCqe(Device.Host.Fabric.Options.Provider, cqe), cqContext, Device.Host.NextCqOrdinal());
            Device.LiveCqs++;
            return Errno.Ok;
        }
    }

    /// <summary>
    /// The entries a provider gives a CQ asked for <paramref name="cqe"/> (what ibv_create_cq reports back in
    /// <c>cq-&gt;cqe</c>, and what the CQ holds before it overruns): mlx5 allocates the next power of two of cqe + 1
    /// (mlx5_create_cq's align_queue_size) and reports one less; rxe gives exactly what was asked.
    /// </summary>
    public static int ProvidedCqe(SimProvider provider, int cqe) =>
        provider == SimProvider.Rxe ? cqe : (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)cqe + 1) - 1;

    /// <inheritdoc/>
    public int GetAsyncEvent(out AsyncEvent ev)
    {
        lock (World.Gate)
        {
            _asyncWaiters.Watch(World);
            if (_asyncEvents.TryDequeue(out ev))
            {
                UnackedAsyncEvents++;
                if (ev.Qp is SimQp qp)
                {
                    qp.QueuedAsyncEvents--;
                    qp.UnackedAsyncEvents++;
                }

                return Errno.Ok;
            }

            return Errno.EAGAIN;
        }
    }

    /// <inheritdoc/>
    public void AckAsyncEvent(in AsyncEvent ev)
    {
        lock (World.Gate)
        {
            AckAsyncEventLocked(ev);
        }

        World.SignalAck(); // wakes an ibv_destroy_qp waiting for this ack
    }

    private void AckAsyncEventLocked(in AsyncEvent ev)
    {
        if (UnackedAsyncEvents <= 0)
        {
            VerbsContract.Violated(World, VerbsContract.AckedTwice, Device, $"ibv_ack_async_event({ev.EventType.ToName()}) with no event outstanding");
        }

        UnackedAsyncEvents--;
        if (ev.Qp is SimQp qp)
        {
            if (qp.UnackedAsyncEvents <= 0)
            {
                VerbsContract.Violated(World, VerbsContract.AckedTwice, qp, $"ibv_ack_async_event({ev.EventType.ToName()}) with no event of this QP outstanding");
            }

            qp.UnackedAsyncEvents--;
        }
    }

    /// <inheritdoc/>
    public int Close()
    {
        lock (World.Gate)
        {
            Device.RemoveContext(this);
            return Errno.Ok;
        }
    }

    /// <summary>
    /// ibv_destroy_qp: the kernel drops the destroyed QP's events that were not yet read (ib_uverbs_release_uevent), so
    /// no consumer can ever get an event naming a QP it destroyed. Caller holds the gate. Returns how many were dropped.
    /// </summary>
    internal int DropQueuedAsyncEvents(SimQp qp)
    {
        var dropped = 0;
        for (var n = _asyncEvents.Count; n > 0; n--)
        {
            var ev = _asyncEvents.Dequeue();
            if (ReferenceEquals(ev.Qp, qp))
            {
                dropped++;
                continue;
            }

            _asyncEvents.Enqueue(ev); // the others keep their order
        }

        qp.QueuedAsyncEvents -= dropped;
        SimCheck.That(qp.QueuedAsyncEvents == 0, World, "async-events-dropped-at-destroy", qp, "queued async events of the QP left after ibv_destroy_qp dropped them");
        return dropped;
    }

    /// <summary>Queues an async event and traces it. Caller holds the gate.</summary>
    internal void RaiseAsyncEvent(AsyncEvent ev)
    {
        if (_asyncEvents.Count >= AsyncEventsQueuedMax && _asyncEvents.Dequeue().Qp is SimQp lost)
        {
            lost.QueuedAsyncEvents--;
        }

        _asyncEvents.Enqueue(ev);
        _asyncWaiters.Wake(World.NowNs);
        if (ev.Qp is SimQp qp)
        {
            qp.QueuedAsyncEvents++;
        }

        World.Record(new TraceRecord
        {
            Kind = TraceKind.AsyncEvent,
            Node = Device.Host.HostName,
            Qp = ev.Qp?.QpNum ?? 0,
            Op = ev.EventType.ToName(),
        });
    }
}

/// <summary>A protection domain of the simulated NIC.</summary>
public sealed class SimPd : IProtectionDomain
{
    private int _users;

    internal SimPd(SimContext context) => Context = context;

    /// <inheritdoc/>
    IVerbsContext IProtectionDomain.Context => Context;

    public SimContext Context { get; }

    internal SimWorld World => Context.World;

    /// <summary>False after a successful <see cref="Dealloc"/>.</summary>
    public bool Live { get; private set; } = true;

    /// <inheritdoc/>
    public int RegMr(DmaBuffer buffer, ulong addr, ulong length, AccessFlags access, out IMemoryRegion? mr)
    {
        lock (World.Gate)
        {
            mr = null;
            if (!Live || Context.Device.Removed)
            {
                return Errno.ENODEV;
            }

            if (buffer is not SimDmaBuffer sim || sim.Freed || length == 0 ||
                addr < sim.Address || addr - sim.Address + length > (ulong)sim.Length)
            {
                return Errno.EFAULT;
            }

            // As in the kernel: remote write access needs local write access.
            if ((access & (AccessFlags.RemoteWrite | AccessFlags.RemoteAtomic)) != 0 && (access & AccessFlags.LocalWrite) == 0)
            {
                return Errno.EINVAL;
            }

            // The swarm fails a connection's own arrays (capsules, responses, connect data: never written remotely), which
            // a transport registers per qpair at connect. A registration the peer may write is an application data buffer,
            // which SPDK's mem map registers when the application registers memory (spdk_mem_register), not at connect.
            var connectionArrays = (access & (AccessFlags.RemoteWrite | AccessFlags.RemoteAtomic)) == 0;
            if (Context.Device.Host.Fabric.Faults.TryCallError(Context.Device.Host.HostName, Faults.VerbsCall.RegMr, connectionArrays, out var failed))
            {
                return failed; // nothing pinned, no key
            }

            var region = new SimMr(this, sim, addr, length, access);
            region.Lkey = Context.Device.AddMr(region);
            _users++;
            mr = region;
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int CreateSrq(uint maxWr, uint maxSge, object? srqContext, out ISharedReceiveQueue? srq)
    {
        lock (World.Gate)
        {
            srq = null;
            var o = Context.Device.Host.Fabric.Options;
            if (maxWr == 0 || maxWr > o.MaxSrqWr || maxSge == 0 || maxSge > o.MaxSge)
            {
                return Errno.EINVAL;
            }

            srq = new SimSrq(this, (int)maxWr, (int)maxSge, srqContext);
            Context.Device.LiveSrqs++;
            _users++;
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int CreateQp(in QpInitAttr initAttr, out IQueuePair? qp)
    {
        lock (World.Gate)
        {
            qp = null;
            var rc = SimQp.ValidateInit(this, initAttr);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            qp = new SimQp(this, initAttr);
            _users++;
            return Errno.Ok;
        }
    }

    /// <inheritdoc/>
    public int Dealloc()
    {
        lock (World.Gate)
        {
            if (!Live)
            {
                return Errno.EINVAL;
            }

            if (_users > 0)
            {
                return Errno.EBUSY;
            }

            Live = false;
            return Errno.Ok;
        }
    }

    internal void Release()
    {
        if (_users <= 0)
        {
            throw new InvalidOperationException("protection domain released more often than used");
        }

        _users--;
    }
}
