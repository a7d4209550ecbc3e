using System.Net;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Tracing;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;
using Microsoft.Extensions.DependencyInjection;

namespace Harness.Sim.DependencyInjection;

/// <summary>What <see cref="SimulatedFabricServiceCollectionExtensions.AddSimulatedFabric"/> builds.</summary>
public sealed record SimulatedFabricSetup
{
    public SimOptions Options { get; init; } = new();

    /// <summary>Hosts on the fabric: name and IPv4 address. Defaults to a target and a host on the documentation network.</summary>
    public IReadOnlyList<(string Name, IPAddress Address)> Hosts { get; init; } = new[]
    {
        ("target", IPAddress.Parse("192.0.2.1")),
        ("host", IPAddress.Parse("192.0.2.2")),
    };

    /// <summary>Trace sink (null: hash only).</summary>
    public Trace? Trace { get; init; }

    public SimThreading Threading { get; init; } = SimThreading.Cooperative;
}

/// <summary>Registers the simulated backend.</summary>
public static class SimulatedFabricServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="SimFabric"/> with the given hosts; each host's <see cref="IRdmaStack"/> as a keyed
    /// service (key = host name); the fabric's <see cref="IReactorRuntime"/> and its virtual <see cref="IClock"/>.
    /// </summary>
    public static IServiceCollection AddSimulatedFabric(this IServiceCollection services, SimulatedFabricSetup setup)
    {
        services.AddSingleton(_ =>
        {
            var fabric = new SimFabric(setup.Options, setup.Trace, setup.Threading);
            foreach (var (name, address) in setup.Hosts)
            {
                fabric.AddHost(name, address);
            }

            return fabric;
        });
        services.AddSingleton<IReactorRuntime>(sp => sp.GetRequiredService<SimFabric>().Reactors);
        services.AddSingleton<IClock>(sp => sp.GetRequiredService<SimFabric>().World);
        foreach (var (name, _) in setup.Hosts)
        {
            services.AddKeyedSingleton<IRdmaStack>(name, (sp, key) =>
                sp.GetRequiredService<SimFabric>().Hosts.First(h => h.HostName == (string)key!));
        }

        return services;
    }
}
