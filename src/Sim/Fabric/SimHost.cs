using System.Net;
using Harness.Sim.Cm;
using Harness.Sim.Core;
using Harness.Sim.Nic;
using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Sim.Fabric;

/// <summary>A simulated machine: one RoCEv2 NIC, its memory, its librdmacm. Implements <see cref="IRdmaStack"/>.</summary>
public sealed class SimHost : IRdmaStack, IVerbsProvider
{
    private readonly List<SimQp> _qps = new();
    private int _nextQpOrdinal;
    private int _nextCqOrdinal;
    private int _nextSrqOrdinal;
    private SimContext? _cmContext;

    internal SimHost(SimFabric fabric, string name, IPAddress address, int index)
    {
        Fabric = fabric;
        HostName = name;
        Address = address;
        Gid = Gid.FromIPv4(address);
        MemoryImpl = new SimMemory(fabric.World.Gate);
        Device = new SimDevice(this, "sim_mlx5_" + index.ToString(System.Globalization.CultureInfo.InvariantCulture), 0x0002c90300a00000UL + (ulong)index);
        CmImpl = new SimCm(this);
    }

    /// <inheritdoc/>
    public string HostName { get; }

    public IPAddress Address { get; }

    /// <summary>The port's RoCEv2 GID (IPv4-mapped).</summary>
    public Gid Gid { get; }

    public SimFabric Fabric { get; }

    public SimDevice Device { get; }

    /// <inheritdoc/>
    public IVerbsProvider Verbs => this;

    /// <inheritdoc/>
    public IRdmaCm Cm => CmImpl;

    /// <summary>CM events raised on this host and not yet delivered to their channel (<see cref="SimCm.EventsInFlight"/>).</summary>
    public int CmEventsInFlight => CmImpl.EventsInFlight;

    /// <inheritdoc/>
    public IDmaMemory Memory => MemoryImpl;

    /// <inheritdoc/>
    public IClock Clock => World;

    /// <summary>Every QP created on this host, in creation order (destroyed ones included).</summary>
    public IReadOnlyList<SimQp> AllQps => _qps;

    internal SimWorld World => Fabric.World;

    internal SimMemory MemoryImpl { get; }

    internal SimCm CmImpl { get; }

    /// <summary>The device context librdmacm opens for ids on this host.</summary>
    internal SimContext CmContext
    {
        get
        {
            if (_cmContext == null)
            {
                Device.Open(out var ctx);
                _cmContext = (SimContext)ctx!;
            }

            return _cmContext;
        }
    }

    /// <inheritdoc/>
    public int GetDeviceList(out IReadOnlyList<IVerbsDevice> devices)
    {
        devices = Device.Removed ? Array.Empty<IVerbsDevice>() : new IVerbsDevice[] { Device };
        return Errno.Ok;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{HostName} ({Address})";

    internal int NextQpOrdinal() => _nextQpOrdinal++;

    internal int NextCqOrdinal() => _nextCqOrdinal++;

    internal int NextSrqOrdinal() => _nextSrqOrdinal++;

    internal void Register(SimQp qp) => _qps.Add(qp);
}
