using Harness.Sim.Contract;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Tracing;
using Harness.Transport.Verbs;

namespace Harness.Sim.Nic;

/// <summary>
/// A simulated RDMA NIC (one port, RoCEv2). Owns the device-wide tables: memory keys and QP numbers.
/// </summary>
public sealed class SimDevice : IVerbsDevice
{
    /// <summary>First QP number handed out (small numbers are reserved on real devices).</summary>
    public const uint QpNumBase = 0x100;

    private readonly Dictionary<uint, SimMr> _mrsByKey = new();
    private readonly Dictionary<uint, SimQp> _qpsByNum = new();
    private readonly List<SimContext> _contexts = new();
    private uint _nextQpNum = QpNumBase;
    private uint _nextMrIndex = 1;

    internal SimDevice(SimHost host, string name, ulong guid)
    {
        Host = host;
        Name = name;
        Guid = guid;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public ulong Guid { get; }

    public SimHost Host { get; }

    internal SimWorld World => Host.World;

    /// <summary>Set once the device has gone (DEVICE_FATAL); every verb then fails with ENODEV.</summary>
    public bool Removed { get; internal set; }

    /// <summary>Set when the removal began (its first event, which may be DEVICE_REMOVAL on the ids while the device still works).</summary>
    public bool RemovalStarted { get; internal set; }

    /// <summary>Port state (PORT_ERR / PORT_ACTIVE).</summary>
    public PortState PortState { get; internal set; } = PortState.Active;

    /// <summary>Live QPs by number.</summary>
    public IReadOnlyDictionary<uint, SimQp> Qps => _qpsByNum;

    /// <summary>Live memory regions by key.</summary>
    public IReadOnlyDictionary<uint, SimMr> Mrs => _mrsByKey;

    internal IReadOnlyList<SimContext> Contexts => _contexts;

    /// <summary>Async events got (ibv_get_async_event) on any open context of this device and not yet acked.</summary>
    public int UnackedAsyncEvents => _contexts.Sum(c => c.UnackedAsyncEvents);

    /// <summary>CQs created on this device and not destroyed.</summary>
    public int LiveCqs { get; internal set; }

    /// <summary>SRQs created on this device and not destroyed.</summary>
    public int LiveSrqs { get; internal set; }

    /// <inheritdoc/>
    public int Open(out IVerbsContext? context)
    {
        lock (World.Gate)
        {
            if (Removed)
            {
                context = null;
                return Errno.ENODEV;
            }

            var ctx = new SimContext(this);
            _contexts.Add(ctx);
            context = ctx;
            return Errno.Ok;
        }
    }

    internal void RemoveContext(SimContext context) => _contexts.Remove(context);

    /// <summary>Finds a live MR by lkey or rkey (they are equal, as on mlx5).</summary>
    internal SimMr? FindMr(uint key) => _mrsByKey.TryGetValue(key, out var mr) && mr.Valid ? mr : null;

    internal SimQp? FindQp(uint qpNum) => _qpsByNum.TryGetValue(qpNum, out var qp) ? qp : null;

    internal uint AddMr(SimMr mr)
    {
        // Key = index << 8 | a seed-chosen 8-bit "key" part, as hardware does, so a stale key rarely aliases a new MR.
        var keyByte = (uint)World.Random.Stream(StreamNames.Keys).NextInt(256);
        var key = (_nextMrIndex++ << 8) | keyByte;
        _mrsByKey.Add(key, mr);
        return key;
    }

    internal void RemoveMr(uint key) => _mrsByKey.Remove(key);

    internal uint AddQp(SimQp qp)
    {
        var num = _nextQpNum++;
        _qpsByNum.Add(num, qp);
        return num;
    }

    internal void RemoveQp(uint qpNum) => _qpsByNum.Remove(qpNum);

    /// <summary>Delivers an async event to every open context (device-wide events).</summary>
    internal void RaiseDeviceEvent(AsyncEventType type)
    {
        foreach (var ctx in _contexts)
        {
            ctx.RaiseAsyncEvent(new AsyncEvent(type, null, null, null, 1));
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Host.HostName}/{Name}";
}

/// <summary>A memory region of the simulated NIC.</summary>
public sealed class SimMr : IMemoryRegion
{
    internal SimMr(SimPd pd, SimDmaBuffer buffer, ulong addr, ulong length, AccessFlags access)
    {
        Pd = pd;
        Buffer = buffer;
        Addr = addr;
        Length = length;
        Access = access;
    }

    public SimPd Pd { get; }

    public SimDmaBuffer Buffer { get; }

    /// <inheritdoc/>
    public ulong Addr { get; }

    /// <inheritdoc/>
    public ulong Length { get; }

    /// <inheritdoc/>
    public uint Lkey { get; internal set; }

    /// <inheritdoc/>
    public uint Rkey => Lkey;

    /// <inheritdoc/>
    public AccessFlags Access { get; }

    /// <summary>False after deregistration or remote invalidation.</summary>
    public bool Valid { get; internal set; } = true;

    /// <inheritdoc/>
    public override string ToString() => $"{Pd.Context.Device}/mr 0x{Addr:x}+{Length}";

    /// <summary>True when [addr, addr+length) lies inside the region.</summary>
    public bool Contains(ulong addr, ulong length) => addr >= Addr && length <= Length && addr - Addr <= Length - length;

    /// <summary>The bytes of [addr, addr+length); the caller has checked <see cref="Contains"/>.</summary>
    internal Span<byte> Resolve(ulong addr, uint length) => Buffer.Slice(addr, (int)length);

    /// <inheritdoc/>
    public int Dereg()
    {
        lock (Pd.World.Gate)
        {
            VerbsContract.That(Lkey != 0, Pd.World, VerbsContract.DestroyedTwice, this, "ibv_dereg_mr");

            Valid = false;
            Pd.Context.Device.RemoveMr(Lkey);
            Pd.Release();
            Lkey = 0;
            return Errno.Ok;
        }
    }
}
