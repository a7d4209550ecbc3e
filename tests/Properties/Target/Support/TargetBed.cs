using System.Net;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Oracle;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;
using Harness.Transport.Threading;

namespace Harness.Tests.Properties.Target.Support;

/// <summary>
/// A live target transport on the simulated fabric with raw wire-level hosts, checking every invariant of the target
/// after every simulator event (the way the harness does), so a test fails at the first inconsistent state.
/// </summary>
public sealed class TargetBed : IDisposable
{
    public const int ListenPort = 4420;
    public const long StepLimitNs = 60_000_000_000;

    private readonly List<string> _log = new();
    private readonly HashSet<(RdmaRequestState From, RdmaRequestState To)> _transitions = new();

    public TargetBed(TargetOptions? options = null, SimOptions? sim = null, INvmfRequestHandler? handler = null, int pollGroups = 1)
    {
        Fabric = new SimFabric(sim ?? new SimOptions { Seed = 1, TraceRecordsInMemory = 0 });
        TargetHost = Fabric.AddHost("target", IPAddress.Parse("192.0.2.1"));
        Controller = handler ?? new MemoryController();
        // HARNESS_DEFECT (DESIGN.md): every test that runs the transport runs it with that defect switched on.
        var baseOptions = options ?? new TargetOptions { NumSharedBuffers = 1024, IoUnitSize = 4096 };
        Options = baseOptions with { Defects = baseOptions.Defects | KnownDefectNames.FromEnvironment() };
        Transport = new NvmfRdmaTransport(TargetHost, Options, Controller, new Observer(_log, _transitions));
        Transport.Start(Fabric.Reactors, pollGroups, Address);
        Liveness = new DrainLiveness(Transport);
    }

    /// <summary>The transport options the SRQ tests use: a shared receive queue of 32 receives per poller.</summary>
    public static TargetOptions SrqOptions() =>
        new() { NumSharedBuffers = 1024, IoUnitSize = 4096, UseSrq = true, MaxSrqDepth = 32 };

    /// <summary>Connects one raw host of <paramref name="depth"/> as I/O qpair 1 (CM and Fabrics Connect); returns the target's qpair.</summary>
    public RdmaQpair ConnectIoQpair(int depth = 8)
    {
        var host = AddHost("a", depth);
        Connect(host, qid: 1);
        return Transport.Qpairs.Single(q => !q.Destroyed);
    }

    /// <summary>The bounded-liveness oracle, checked after every step with the target's invariants.</summary>
    public DrainLiveness Liveness { get; }

    public SimFabric Fabric { get; }

    public SimHost TargetHost { get; }

    public TargetOptions Options { get; }

    public INvmfRequestHandler Controller { get; }

    public NvmfRdmaTransport Transport { get; }

    public IPEndPoint Address { get; } = new(IPAddress.Parse("192.0.2.1"), ListenPort);

    /// <summary>The target's log lines (SPDK format).</summary>
    public IReadOnlyList<string> Log => _log;

    /// <summary>Every request state transition seen so far.</summary>
    public IReadOnlySet<(RdmaRequestState From, RdmaRequestState To)> Transitions => _transitions;

    /// <summary>Events processed with the invariant checker run after each.</summary>
    public long CheckedSteps { get; private set; }

    /// <summary>A raw host on a new simulated machine.</summary>
    public RawHost AddHost(string name, int depth, int slotBytes = RawHost.DefaultSlotBytes)
    {
        var octet = Fabric.Hosts.Count + 1;
        return new RawHost(Fabric.AddHost(name, IPAddress.Parse($"192.0.2.{octet}")), depth, slotBytes);
    }

    /// <summary>
    /// Connects <paramref name="host"/> (CM) and sends the Fabrics Connect; waits for both. <paramref name="readDepth"/> is
    /// the host's responder resources: how many RDMA READs the target may have outstanding (SPDK's max_read_depth).
    /// </summary>
    public void Connect(RawHost host, ushort qid = 0, byte readDepth = 16)
    {
        host.Connect(Address, RawHost.ConnectPrivateData(qid, host.Depth), initiatorDepth: 0, responderResources: readDepth);
        RunUntil(() => host.PollCm() == CmEventType.Established || host.CmEvents.Contains(CmEventType.Established), "ESTABLISHED");
        var connect = new ConnectCommand { Cid = 0, Qid = qid, Sqsize = (ushort)(host.Depth - 1), Kato = 0, Dptr = SglDescriptor.InCapsule(0, 1024) }.ToCommand();
        var data = new byte[1024];
        Check(host.Submit(connect, data), "post connect capsule");
        RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(0); }, "Fabrics Connect response");
    }

    /// <summary>Runs events one by one, checking every target invariant after each, until <paramref name="done"/>.</summary>
    public void RunUntil(Func<bool> done, string what, long limitNs = StepLimitNs)
    {
        var deadline = Fabric.World.NowNs + limitNs;
        Fabric.Start();
        while (!done())
        {
            if (Fabric.World.NextEventTimeNs is not long next || next > deadline)
            {
                throw new Xunit.Sdk.XunitException($"{what} did not happen by {deadline} ns (now {Fabric.World.NowNs} ns)");
            }

            Step();
        }
    }

    /// <summary>Runs until nothing is left to do before <paramref name="limitNs"/> from now.</summary>
    public void RunFor(long limitNs)
    {
        var deadline = Fabric.World.NowNs + limitNs;
        Fabric.Start();
        while (Fabric.World.NextEventTimeNs is long next && next <= deadline)
        {
            Step();
        }
    }

    /// <summary>Runs <paramref name="events"/> events (fewer if the world runs out), checking after each.</summary>
    public void RunEvents(int events)
    {
        Fabric.Start();
        for (var i = 0; i < events && Fabric.World.NextEventTimeNs != null; i++)
        {
            Step();
        }
    }

    /// <summary>Moves the target QP of <paramref name="qpair"/> to ERR now, as a NIC-fatal error would (a flush storm).</summary>
    public void ForceQpError(RdmaQpair qpair)
    {
        lock (Fabric.World.Gate)
        {
            ((Harness.Sim.Nic.SimQp)qpair.Qp!).ForceError("test: QP forced to ERR");
        }
    }

    public void Dispose() => Fabric.Dispose();

    private void Step()
    {
        Fabric.World.Step();
        CheckedSteps++;
        TargetInvariants.CheckAll(Transport);
        Liveness.Check();
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw new Xunit.Sdk.XunitException($"{what} failed: {rc}");
        }
    }

    private sealed class Observer(List<string> log, HashSet<(RdmaRequestState, RdmaRequestState)> transitions) : ITargetObserver
    {
        public void OnRequestState(RdmaRequest request, RdmaRequestState from)
        {
            if (request.State == RdmaRequestState.Free)
            {
                RequestWrLifetime.CheckFreed(request);
            }

            transitions.Add((from, request.State));
        }

        public void OnCmEvent(CmEvent ev)
        {
        }

        public void OnQpairDestroying(RdmaQpair qpair) => TargetInvariants.CheckDestroyed(qpair);

        public void OnLog(string line) => log.Add(line);
    }
}
