using System.Net;
using Harness.Sim.Cm;
using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Sim.Nic;
using Harness.Sim.Reactors;
using Harness.Sim.Tracing;
using Harness.Transport.Verbs;

namespace Harness.Sim.Fabric;

/// <summary>How the world is driven.</summary>
public enum SimThreading
{
    /// <summary>One thread runs the event loop and every reactor (deterministic runs, property tests).</summary>
    Cooperative,

    /// <summary>Several threads call in (Coyote systematic tests); blocking calls really wait.</summary>
    Threaded,
}

/// <summary>
/// The simulated network: hosts with NICs on one lossless-by-default RoCEv2 fabric, the CM's listener table, the fault
/// plan and the scheduler. <c>new SimFabric(options)</c>, add hosts, then <see cref="Run"/>.
/// </summary>
public sealed class SimFabric : IDisposable, ISimEventTarget
{
    /// <summary>Hosts one fabric may have.</summary>
    public const int HostsMax = 256;

    private readonly List<SimHost> _hosts = new();
    private readonly Dictionary<IPEndPoint, SimCmId> _listeners = new();
    private readonly Dictionary<long, SimCmId> _cmIds = new();
    private readonly List<ScriptedFault> _injected = new();
    private long _nextCmIdSerial = 1;
    private long _nextCmEventSequence = 1;
    private bool _started;

    public SimFabric(SimOptions options, Trace? trace = null, SimThreading threading = SimThreading.Cooperative)
    {
        Options = options;
        Threading = threading;
        World = new SimWorld(options.Seed, trace ?? new Trace(keepInMemory: options.TraceRecordsInMemory));
        World.Threaded = threading == SimThreading.Threaded;
        Faults = new FaultInjector(World, options.Faults);
        Reactors = new SimReactorRuntime(World);
    }

    public SimOptions Options { get; }

    public SimThreading Threading { get; }

    public SimWorld World { get; }

    public FaultInjector Faults { get; }

    public Trace Trace => World.Trace;

    /// <summary>
    /// The packet capture the fabric's ports and CMs report to (<c>--pcap</c>), or null: nothing is built then. Attach
    /// before the first connection, so that the capture holds the CM exchange the NVMe-oF decode needs.
    /// </summary>
    public Wire.WireCapture? Capture { get; set; }

    /// <summary>Reactors (SPDK-style threads) that run in virtual time.</summary>
    public SimReactorRuntime Reactors { get; }

    public IReadOnlyList<SimHost> Hosts => _hosts;

    /// <summary>Adds a host with one NIC at <paramref name="address"/>.</summary>
    public SimHost AddHost(string name, IPAddress address)
    {
        lock (World.Gate)
        {
            if (_hosts.Count >= HostsMax)
            {
                throw new InvalidOperationException($"a fabric holds at most {HostsMax} hosts");
            }

            if (_hosts.Exists(h => h.HostName == name || h.Address.Equals(address)))
            {
                throw new ArgumentException($"host name '{name}' or address {address} already on the fabric", nameof(name));
            }

            var host = new SimHost(this, name, address, _hosts.Count);
            _hosts.Add(host);
            return host;
        }
    }

    /// <summary>Runs the world until <paramref name="stop"/> holds, nothing is left to do, or <paramref name="untilNs"/>.</summary>
    public RunOutcome Run(long untilNs, Func<bool>? stop = null)
    {
        Start();
        lock (World.Gate)
        {
            Reactors.WakeObservers(null); // the caller may have changed what the harness's pollers watch since the last run
        }

        return World.Run(untilNs, stop);
    }

    /// <summary>Schedules the fault plan's timed faults (once; <see cref="Run"/> calls it).</summary>
    public void Start()
    {
        lock (World.Gate)
        {
            if (_started)
            {
                return;
            }

            _started = true;
            for (var i = 0; i < Options.Faults.Scripted.Count; i++)
            {
                if (TimedFaults.AtNs(Options.Faults.Scripted[i]) is long at)
                {
                    World.ScheduleAt(Math.Max(at, World.NowNs), this, TimedFaults.EvFault, i);
                }
            }
        }
    }

    /// <inheritdoc/>
    public void OnEvent(int kind, long a, long b) => TimedFaults.Fire(this, kind, a, b);

    /// <summary>
    /// Fires a timed fault (disconnect, QP to ERR, async event, device removal, address change, port flap) at the
    /// current virtual time, as the next event, exactly as if the plan had scheduled it then (same trace records); its
    /// own time is ignored. Scenario command lists use this to put a fault between two steps.
    /// </summary>
    public void Inject(ScriptedFault fault)
    {
        if (TimedFaults.AtNs(fault) == null)
        {
            throw new ArgumentException($"{fault} is not a fault that happens at a time", nameof(fault));
        }

        lock (World.Gate)
        {
            // As an event of its own, so that reactors parked while idle are woken by what it does.
            _injected.Add(fault);
            World.ScheduleAt(World.NowNs, this, TimedFaults.EvInjected, _injected.Count - 1);
        }
    }

    /// <summary>Faults given to <see cref="Inject"/>, in order.</summary>
    internal IReadOnlyList<ScriptedFault> Injected => _injected;

    /// <summary>Closes the trace and gives the hosts' DMA memory back for the next world to reuse (<see cref="Nic.SimDmaArrays"/>).</summary>
    public void Dispose()
    {
        World.Trace.Dispose();
        foreach (var host in _hosts)
        {
            host.MemoryImpl.ReleaseAll();
        }
    }

    internal SimHost? FindHost(IPAddress address) => _hosts.Find(h => h.Address.Equals(address));

    internal SimHost? FindHost(Gid gid)
    {
        // On every packet's path (FindPeer): a plain loop, since a lambda capturing gid allocates on each call.
        foreach (var host in _hosts)
        {
            if (host.Gid == gid)
            {
                return host;
            }
        }

        return null;
    }

    internal SimHost? FindHostByName(string name) => _hosts.Find(h => h.HostName == name);

    /// <summary>The QP a packet addressed to (GID, QPN) reaches, if any.</summary>
    internal SimQp? FindPeer(Gid gid, uint qpNum) => FindHost(gid)?.Device.FindQp(qpNum);

    internal int AddListener(IPEndPoint address, SimCmId id) => _listeners.TryAdd(address, id) ? Errno.Ok : Errno.EADDRINUSE;

    internal void RemoveListener(IPEndPoint address) => _listeners.Remove(address);

    internal SimCmId? FindListener(IPEndPoint address) => _listeners.GetValueOrDefault(address);

    internal long NextCmIdSerial() => _nextCmIdSerial++;

    internal long NextCmEventSequence() => _nextCmEventSequence++;

    internal void RegisterCmId(SimCmId id) => _cmIds.Add(id.Serial, id);

    internal SimCmId? CmId(long serial) => _cmIds.GetValueOrDefault(serial);
}
