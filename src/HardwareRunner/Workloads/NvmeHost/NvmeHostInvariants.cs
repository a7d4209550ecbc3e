namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>Names of what the host driver checks (the same names as the workload's oracle, so reports read alike).</summary>
internal static class NvmeHostInvariants
{
    public const string DuplicateCompletion = WorkloadMonitor.DuplicateCompletion;
    public const string LostCompletion = WorkloadMonitor.LostCompletion;
    public const string ResourceLeak = WorkloadMonitor.ResourceLeak;
    public const string NoProgress = WorkloadMonitor.NoProgress;
    public const string Protocol = WorkloadMonitor.Protocol;
}
