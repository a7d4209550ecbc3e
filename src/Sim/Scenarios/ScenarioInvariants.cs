using Harness.Transport.Invariants;

namespace Harness.Sim.Scenarios;

/// <summary>
/// The invariant names a scenario may expect with <c>must-detect</c>: the transport's oracle
/// (<see cref="InvariantNames"/>) and the harness's run-level checks, exactly as results print them.
/// </summary>
public static class ScenarioInvariants
{
    public const string DataVerification = "data-verification";
    public const string DuplicateCompletion = "duplicate-completion";
    public const string LostCompletion = "lost-completion";
    public const string ResourceLeak = "resource-leak";
    public const string NoProgress = "no-progress";
    public const string Protocol = "protocol";
    public const string Hang = "hang";
    public const string Crash = "crash";

    /// <summary>The reference model of the target's bookkeeping disagrees with the transport (command workloads).</summary>
    public const string ModelAgreement = "model-agreement";

    /// <summary>A fused Compare-and-Write pair completed against its semantics (a valid adjacent pair failed as unpaired, or its halves disagree).</summary>
    public const string FusedPair = "fused-pair";

    /// <summary>A valid command of the random workload failed with a status nothing explains (no injected block-device error, qpair death or Abort).</summary>
    public const string UnexplainedStatus = "unexplained-status";

    /// <summary>Every name, in a stable order.</summary>
    public static IReadOnlyList<string> Known { get; } = new[]
    {
        InvariantNames.RequestInOneQueue, InvariantNames.QueueStateConsistent, InvariantNames.DepthCounters, InvariantNames.NoLeakOnDestroy,
        InvariantNames.CompletesOnce, InvariantNames.DataIntegrity, InvariantNames.QueueIntegrity, InvariantNames.StateTransition,
        InvariantNames.ObjectLifetime, InvariantNames.ReceiveConservation, InvariantNames.BoundedLiveness,
        InvariantNames.BufferBounds, InvariantNames.CapsuleBytesReceived, InvariantNames.WakeUpAnnounced,
        DataVerification, DuplicateCompletion, LostCompletion, ResourceLeak, NoProgress, Protocol, Hang, Crash, ModelAgreement, FusedPair, UnexplainedStatus,
        Contract.VerbsContract.Invariant, Nic.SimCheck.Invariant,
    };

    public static bool IsKnown(string name) => Known.Contains(name, StringComparer.Ordinal);
}
