using System.Net;
using Harness.Sim.Cm;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Faults;
using Harness.Sim.Nic;
using Harness.Tests.Properties.Support;
using Harness.Transport.Host;
using Harness.Transport.Target;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host.Support;

/// <summary>
/// A host machine and a <see cref="ScriptedTarget"/> on the simulated fabric, an <see cref="NvmeRdmaController"/>
/// on an admin reactor and poll groups on their own reactors (simulated reactors, or <see cref="ManualReactor"/>s
/// the test runs by hand). Known defects come from HARNESS_DEFECT unless the test sets them.
/// </summary>
public sealed class HostBed : IDisposable
{
    public const long RunLimitNs = 20_000_000_000;

    private readonly List<DmaBuffer> _buffers = new();

    public HostBed(ulong seed = 1, HostOptions? options = null, FaultPlan? faults = null, int groups = 2, bool manual = false,
        SimThreading threading = SimThreading.Cooperative, long cmTimewaitNs = 0)
    {
        var sim = new SimOptions { Seed = seed, Faults = faults ?? FaultPlan.None };
        Fabric = new SimFabric(cmTimewaitNs > 0 ? sim with { CmTimewaitNs = cmTimewaitNs } : sim, threading: threading);
        TargetMachine = Fabric.AddHost("target", IPAddress.Parse("192.0.2.1"));
        HostMachine = Fabric.AddHost("host", IPAddress.Parse("192.0.2.2"));
        Target = new ScriptedTarget(TargetMachine, Fabric.Reactors);
        Options = options ?? DefaultOptions();
        AdminReactor = manual ? new ManualReactor("admin") : Fabric.Reactors.CreateReactor("admin");
        GroupReactors = Enumerable.Range(0, groups)
            .Select(i => manual ? new ManualReactor($"io{i}") : Fabric.Reactors.CreateReactor($"io{i}"))
            .ToArray();
        Groups = GroupReactors.Select(r => new NvmeRdmaPollGroup(r, Options)).ToArray();
        Controller = new NvmeRdmaController(HostMachine, AdminReactor, Target.Address, Options);
    }

    public SimFabric Fabric { get; }

    public SimHost HostMachine { get; }

    public SimHost TargetMachine { get; }

    public ScriptedTarget Target { get; }

    public HostOptions Options { get; }

    public IReactor AdminReactor { get; }

    public IReactor[] GroupReactors { get; }

    public NvmeRdmaPollGroup[] Groups { get; }

    public NvmeRdmaController Controller { get; }

    public long NowNs => Fabric.World.NowNs;

    /// <summary>The options tests use: defaults, with the defects HARNESS_DEFECT names.</summary>
    public static HostOptions DefaultOptions() => new() { Defects = KnownDefectNames.FromEnvironment() };

    /// <summary>Starts the controller and runs until it is ready.</summary>
    public void StartController()
    {
        Controller.Start();
        RunUntil(() => Controller.State == ControllerState.Ready, "controller ready");
    }

    /// <summary>Creates <paramref name="count"/> I/O qpairs round-robin over the groups and runs until all are RUNNING.</summary>
    public NvmeRdmaQpair[] ConnectIoQpairs(int count, int queueSize = 0)
    {
        var qpairs = Enumerable.Range(0, count).Select(i => Controller.CreateIoQpair(Groups[i % Groups.Length], queueSize)).ToArray();
        RunUntil(() => qpairs.All(q => q.State == NvmeRdmaQpairState.Running), "I/O qpairs running");
        return qpairs;
    }

    /// <summary>A zeroed DMA buffer on the host, freed by <see cref="FreeBuffers"/>.</summary>
    public DmaBuffer Buffer(int bytes)
    {
        var buffer = HostMachine.Memory.Allocate(bytes);
        _buffers.Add(buffer);
        return buffer;
    }

    /// <summary>
    /// Runs simulator events one at a time until <paramref name="done"/> holds, calling <paramref name="poll"/> (by default:
    /// every manual reactor) before each and at least every <see cref="ProbedRun.ProbePeriodNs"/> of virtual time; fails after
    /// <paramref name="limitNs"/> of virtual time.
    /// </summary>
    public void RunUntil(Func<bool> done, string what, long limitNs = RunLimitNs, Action? poll = null)
    {
        var deadline = NowNs + limitNs;
        Fabric.Start();
        poll ??= PollManualReactors;
        while (true)
        {
            poll();
            if (done())
            {
                return;
            }

            if (ProbedRun.Step(Fabric.World, deadline) == null) // a manual thread is polled at least every probe period
            {
                throw new Xunit.Sdk.XunitException($"{what} did not happen within {limitNs} ns of virtual time (now {NowNs} ns)");
            }
        }
    }

    /// <summary>Runs for <paramref name="durationNs"/> of virtual time (polling manual reactors as in <see cref="RunUntil"/>).</summary>
    public void RunFor(long durationNs, Action? poll = null)
    {
        var until = NowNs + durationNs;
        RunUntil(() => NowNs >= until, $"run for {durationNs} ns", durationNs + 1, poll);
    }

    /// <summary>Deletes the controller, runs until it is gone, disposes the groups and frees the test's buffers.</summary>
    public void DeleteAll(long limitNs = RunLimitNs)
    {
        Controller.Delete();
        RunUntil(() => Controller.State == ControllerState.Deleted, "controller deleted", limitNs);
        foreach (var group in Groups)
        {
            group.Dispose();
        }

        FreeBuffers();
    }

    public void FreeBuffers()
    {
        _buffers.ForEach(b => HostMachine.Memory.Free(b));
        _buffers.Clear();
    }

    /// <summary>What the simulator says the host left behind (QPs, CM ids, unacked events, MRs, buffers, PDs), or null.</summary>
    public string? HostLeaks()
    {
        var leaks = new List<string>();
        var qps = HostMachine.AllQps.Count(q => !q.Destroyed);
        var cm = (SimCm)HostMachine.Cm;
        var ids = cm.Ids.Count(i => !i.Destroyed);
        var unacked = cm.Ids.Sum(i => i.UnackedEvents);
        var mrs = HostMachine.Device.Mrs.Count;
        var buffers = ((SimMemory)HostMachine.Memory).AllocatedBuffers - _buffers.Count;
        Add(qps, "QP(s) not destroyed");
        Add(ids, "CM id(s) not destroyed");
        Add(unacked, "CM event(s) got and never acked");
        Add(mrs, "memory region(s) registered");
        Add(buffers, "DMA buffer(s) not freed");
        return leaks.Count == 0 ? null : string.Join("; ", leaks);

        void Add(int n, string what)
        {
            if (n != 0)
            {
                leaks.Add($"{n} {what}");
            }
        }
    }

    public void PollManualReactors()
    {
        foreach (var reactor in GroupReactors.Prepend(AdminReactor).OfType<ManualReactor>())
        {
            reactor.PollOnce();
        }
    }

    public void Dispose() => Fabric.Dispose();
}
