using Harness.Sim.Core;
using Harness.Transport.Invariants;

namespace Harness.Sim.Nic;

/// <summary>
/// Always-on assertions of the simulator itself (TigerBeetle style): one condition each, naming the object and the
/// broken rule. A failure is the simulator's bug, not the transport's, and stops the run like any invariant.
/// </summary>
internal static class SimCheck
{
    /// <summary>Name of the invariant the simulator's own assertions report under.</summary>
    public const string Invariant = "simulator-integrity";

    public static void That(bool condition, SimWorld world, string rule, object subject, string detail)
    {
        if (!condition)
        {
            throw new InvariantViolationException(Invariant, $"{rule}: {subject}: {detail} (at {world.NowNs} ns)");
        }
    }
}
