namespace Harness.HardwareRunner.Sweep;

/// <summary>Which scenario of a failing seed a sweep saved.</summary>
public enum KeptForm
{
    /// <summary>None: no scenario form replays the failure (the seed's <c>harness run</c> command still does).</summary>
    None,

    /// <summary>The minimised scenario.</summary>
    Minimised,

    /// <summary>The unminimised scenario (the run as <c>harness run</c> made it), because the minimised one does not replay the failure.</summary>
    Unminimised,
}
