using System.Net;
using Harness.Sim.Core;
using Harness.Sim.DependencyInjection;
using Harness.Sim.Fabric;
using Harness.Sim.Tracing;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;
using Microsoft.Extensions.DependencyInjection;

namespace Harness.HardwareRunner.Backends;

/// <summary>
/// The simulated backend, built with dependency injection: a fabric with a "target" and a "host", each resolved as a
/// keyed <see cref="IRdmaStack"/>, and the fabric's reactor runtime.
/// </summary>
internal sealed class SimBackend : IDisposable
{
    public const string TargetName = "target";
    public const string HostName = "host";

    /// <summary>Where the target listens (NVMe-oF's port on the documentation network).</summary>
    public static readonly IPEndPoint TargetAddress = new(IPAddress.Parse("192.0.2.1"), 4420);

    private static readonly IPAddress HostAddress = IPAddress.Parse("192.0.2.2");

    private readonly ServiceProvider _provider;

    public SimBackend(SimOptions options, Trace? trace)
    {
        var services = new ServiceCollection();
        services.AddSimulatedFabric(new SimulatedFabricSetup
        {
            Options = options,
            Trace = trace,
            Hosts = new[] { (TargetName, TargetAddress.Address), (HostName, HostAddress) },
        });
        _provider = services.BuildServiceProvider();
        Fabric = _provider.GetRequiredService<SimFabric>();
        Target = _provider.GetRequiredKeyedService<IRdmaStack>(TargetName);
        Host = _provider.GetRequiredKeyedService<IRdmaStack>(HostName);
        Reactors = _provider.GetRequiredService<IReactorRuntime>();
    }

    public SimFabric Fabric { get; }

    public IRdmaStack Target { get; }

    public IRdmaStack Host { get; }

    public IReactorRuntime Reactors { get; }

    /// <summary>Disposes the fabric, which flushes and closes the trace.</summary>
    public void Dispose() => _provider.Dispose();
}
