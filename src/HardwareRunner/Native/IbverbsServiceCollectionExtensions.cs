using Harness.Transport.Threading;
using Harness.Transport.Verbs;
using Microsoft.Extensions.DependencyInjection;

namespace Harness.HardwareRunner.Native;

/// <summary>Registers the native rdma-core backend, mirroring <c>AddSimulatedFabric</c>.</summary>
public static class IbverbsServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="NativeRdmaStack"/> (opened on first resolution; resolving it on a machine without RDMA
    /// throws <see cref="NativeStackUnavailableException"/> with the precise reason), the same stack as an
    /// <see cref="IRdmaStack"/> (plain and keyed by each of <see cref="IbverbsSetup.HostKeys"/>), a
    /// <see cref="NativeReactorRuntime"/> as <see cref="IReactorRuntime"/> and the stack's monotonic <see cref="IClock"/>.
    /// The provider disposes them (stack: every native object still open is freed).
    /// </summary>
    public static IServiceCollection AddIbverbs(this IServiceCollection services, IbverbsSetup? setup = null)
    {
        setup ??= new IbverbsSetup();
        services.AddSingleton(_ =>
        {
            var status = NativeRdmaStack.TryOpen(setup.Stack, setup.Libraries, out var stack, out var problem);
            return status == NativeOpenStatus.Ok ? stack! : throw new NativeStackUnavailableException(status, problem);
        });
        services.AddSingleton<IRdmaStack>(sp => sp.GetRequiredService<NativeRdmaStack>());
        foreach (var key in setup.HostKeys ?? new[] { setup.Stack.HostName })
        {
            services.AddKeyedSingleton<IRdmaStack>(key, (sp, _) => sp.GetRequiredService<NativeRdmaStack>());
        }

        services.AddSingleton(_ => new NativeReactorRuntime(setup.ReactorMode, setup.ReactorIdleSleep));
        services.AddSingleton<IReactorRuntime>(sp => sp.GetRequiredService<NativeReactorRuntime>());
        services.AddSingleton<IClock>(sp => sp.GetRequiredService<NativeRdmaStack>().Clock);
        return services;
    }
}
