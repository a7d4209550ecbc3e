using Harness.Sim.Scenarios;

namespace Harness.HardwareRunner.Sweep;

/// <summary>
/// What minimising a failing seed gave: the <see cref="Unminimised"/> scenario (the run as <c>harness run</c> made it,
/// in scenario form), the <see cref="Smallest"/> one that still broke the same invariant (null when the unminimised one
/// did not: nothing to minimise), the runs it took, what the unminimised one broke, and what was removed.
/// </summary>
public sealed record MinimisedSeed(Scenario Unminimised, Scenario? Smallest, int Runs, string? UnminimisedBroke, string How);
