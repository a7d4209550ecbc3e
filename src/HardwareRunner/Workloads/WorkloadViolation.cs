namespace Harness.HardwareRunner.Workloads;

/// <summary>An invariant that broke: its name (e.g. <c>data-verification</c>) and what exactly happened.</summary>
public sealed record WorkloadViolation(string Invariant, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Invariant}: {Detail}";
}
