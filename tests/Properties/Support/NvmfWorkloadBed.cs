using System.Net;
using Harness.HardwareRunner.Backends;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Sim.Core;
using Harness.Sim.Fabric;

namespace Harness.Tests.Properties.Support;

/// <summary>
/// The NVMe-oF workload on a fresh simulated fabric of two hosts (target 192.0.2.1, host 192.0.2.2), its random draws
/// from the seed's workload stream, started: what the workload's oracle tests run, the world stepped by the test.
/// </summary>
internal static class NvmfWorkloadBed
{
    /// <summary>Builds and starts the workload; <paramref name="options"/> gets the target's listen address.</summary>
    public static (NvmfWorkload Workload, SimFabric Fabric) Start(ulong seed, Func<IPEndPoint, NvmfWorkloadOptions> options)
    {
        var fabric = new SimFabric(new SimOptions { Seed = seed });
        var target = fabric.AddHost("target", IPAddress.Parse("192.0.2.1"));
        var host = fabric.AddHost("host", IPAddress.Parse("192.0.2.2"));
        var random = new SimWorkloadRandom(fabric.World.Random.Stream(StreamNames.Workload));
        var workload = new NvmfWorkload(options(new IPEndPoint(target.Address, 4420)), target, host, fabric.Reactors, random);
        workload.Start();
        return (workload, fabric);
    }
}
