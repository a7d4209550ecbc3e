namespace Harness.HardwareRunner.Workloads;

/// <summary>
/// The oracle's verdict for one run: the first invariant that broke (later ones are consequences and are dropped).
/// Both sides of the workload report here.
/// </summary>
internal sealed class WorkloadMonitor
{
    /// <summary>Names of the invariants the workload checks (printed in failure messages, greppable).</summary>
    public const string DataVerification = "data-verification";
    public const string DuplicateCompletion = "duplicate-completion";
    public const string LostCompletion = "lost-completion";
    public const string ResourceLeak = "resource-leak";
    public const string NoProgress = "no-progress";
    public const string Protocol = "protocol";
    public const string UnexplainedStatus = Sim.Scenarios.ScenarioInvariants.UnexplainedStatus;

    /// <summary>The first violation, or null.</summary>
    public WorkloadViolation? Violation { get; private set; }

    public bool Broken => Violation != null;

    /// <summary>Records a violation (only the first one is kept).</summary>
    public void Report(string invariant, string detail) => Violation ??= new WorkloadViolation(invariant, detail);
}
