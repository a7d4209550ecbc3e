using Harness.HardwareRunner.Hardware;
using Harness.Sim.Fabric;
using Harness.Transport.Threading;

namespace Harness.Tests.Properties.Hardware;

/// <summary>
/// A <see cref="HardwareSession"/>'s loop on the simulated fabric: its pollers on the simulator's reactors, run by the
/// simulator's event loop (virtual time). With it, the session code of the hardware runner — roles, sessions, teardown,
/// executors, reports — runs here; every verbs call goes to the simulated NIC, none to a real one.
/// </summary>
internal sealed class SimSessionLoop(SimFabric fabric) : ISessionLoop
{
    /// <summary>Virtual time one <see cref="RunUntil"/> may take at most.</summary>
    public const long RunLimitNs = 600_000_000_000;

    public IReactorRuntime Reactors => fabric.Reactors;

    public void RunUntil(Func<bool> done) => fabric.Run(fabric.World.NowNs + RunLimitNs, done);
}
