using System.Net;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Faults;
using Harness.Tests.Properties.Support;
using Harness.Transport.Host;
using Harness.Transport.Nvmf;
using Harness.Transport.Target;


namespace Harness.Tests.Properties.Host.Support;

/// <summary>
/// The real target stack (<see cref="NvmfRdmaTransport"/> with the <see cref="NvmfTarget"/> controller layer) and the
/// host (<see cref="NvmeRdmaController"/>, poll groups) on one simulated fabric; every target invariant is checked
/// after every simulator event. Known defects come from HARNESS_DEFECT for both sides.
/// </summary>
public sealed class TargetStackBed : IDisposable
{
    public const long RunLimitNs = 20_000_000_000;

    private readonly List<Harness.Transport.Verbs.DmaBuffer> _buffers = new();

    /// <summary>Target stack and host; the host connects to <c>connectPort</c> (another than 4420 gets a CM reject).</summary>
    public TargetStackBed(ulong seed, int groups, FaultPlan? faults = null, int connectPort = 4420, Func<HostOptions, HostOptions>? configureHost = null,
        ITargetObserver? targetObserver = null)
    {
        var defects = KnownDefectNames.FromEnvironment();
        Fabric = new SimFabric(new SimOptions { Seed = seed, Faults = faults ?? FaultPlan.None });
        var targetMachine = Fabric.AddHost("target", IPAddress.Parse("192.0.2.1"));
        HostMachine = Fabric.AddHost("host", IPAddress.Parse("192.0.2.2"));
        var transportOptions = new TargetOptions { NumSharedBuffers = 1024, IoUnitSize = 8192, Defects = defects };
        Nvmf = new NvmfTarget(NvmfTargetOptions.ForTransport(transportOptions), targetMachine.Clock);
        Transport = new NvmfRdmaTransport(targetMachine, transportOptions, Nvmf, targetObserver);
        var address = new IPEndPoint(targetMachine.Address, 4420);
        Transport.Start(Fabric.Reactors, 2, address);

        var options = new HostOptions { Defects = defects };
        options = configureHost?.Invoke(options) ?? options;
        Groups = Enumerable.Range(0, groups).Select(i => new NvmeRdmaPollGroup(Fabric.Reactors.CreateReactor($"io{i}"), options)).ToArray();
        Controller = new NvmeRdmaController(HostMachine, Fabric.Reactors.CreateReactor("admin"), new IPEndPoint(targetMachine.Address, connectPort), options);
    }

    public SimFabric Fabric { get; }

    public SimHost HostMachine { get; }

    public NvmfTarget Nvmf { get; }

    public NvmfRdmaTransport Transport { get; }

    public NvmeRdmaPollGroup[] Groups { get; }

    public NvmeRdmaController Controller { get; }

    public Harness.Transport.Verbs.DmaBuffer Buffer(int bytes)
    {
        var buffer = HostMachine.Memory.Allocate(bytes);
        _buffers.Add(buffer);
        return buffer;
    }

    /// <summary>Runs event by event, checking the target's invariants after each, until <paramref name="done"/>.</summary>
    public void RunUntil(Func<bool> done, string what, long limitNs = RunLimitNs)
    {
        var deadline = Fabric.World.NowNs + limitNs;
        Fabric.Start();
        while (!done())
        {
            var stepped = ProbedRun.Step(Fabric.World, deadline);
            if (stepped == null)
            {
                throw new Xunit.Sdk.XunitException($"{what} did not happen within {limitNs} ns of virtual time (now {Fabric.World.NowNs} ns)");
            }

            if (stepped == true)
            {
                TargetInvariants.CheckAll(Transport);
            }
        }
    }

    /// <summary>Deletes the controller, disposes the groups, frees the test's buffers.</summary>
    public void DeleteAll()
    {
        Controller.Delete();
        RunUntil(() => Controller.State == ControllerState.Deleted, "controller deleted");
        foreach (var group in Groups)
        {
            group.Dispose();
        }

        _buffers.ForEach(b => HostMachine.Memory.Free(b));
        _buffers.Clear();
    }

    public void Dispose() => Fabric.Dispose();
}
