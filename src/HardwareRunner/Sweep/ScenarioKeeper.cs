using Harness.Sim.Scenarios;

namespace Harness.HardwareRunner.Sweep;

/// <summary>
/// Chooses the scenario a sweep saves for a failing seed: only one whose file, replayed in-process exactly as
/// <c>harness replay</c> would read it, breaks the invariant the seed broke. The minimised scenario when it does; else
/// the unminimised one (the run in scenario form) when that does; else none (the seed's <c>harness run</c> command
/// still replays it). A saved scenario that does not replay would fail every later <c>harness replay</c> for a reason
/// that is not the bug.
/// </summary>
public sealed class ScenarioKeeper
{
    private readonly SweepMinimiser _minimiser;

    public ScenarioKeeper(SweepSettings sweep) => _minimiser = new SweepMinimiser(sweep);

    /// <summary>As <see cref="ScenarioKeeper(SweepSettings)"/>, running each loaded scenario through <paramref name="run"/> (tests).</summary>
    internal ScenarioKeeper(SweepSettings sweep, Func<ScenarioDocument, Scenarios.ScenarioOutcome> run) => _minimiser = new SweepMinimiser(sweep, run);

    /// <summary>Minimises <paramref name="failed"/> and returns what to keep, each candidate replayed first.</summary>
    public KeptScenario Keep(SeedResult failed)
    {
        MinimisedSeed m;
        try
        {
            m = _minimiser.Minimise(failed);
        }
        catch (ScenarioFormatException e)
        {
            // A candidate the scenario loader refuses is a gap of the scenario form, not a reason to lose the sweep's report.
            return new KeptScenario(failed, KeptForm.None, null, null, $"no scenario saved: a scenario of it does not load ({e.Message}); its replay command above does");
        }

        var invariant = failed.Invariant;
        if (m.Smallest == null)
        {
            // The minimiser's first run was the unminimised scenario itself.
            return new KeptScenario(failed, KeptForm.None, null, null,
                $"no scenario saved: the unminimised scenario does not replay the failure ({Instead(m.UnminimisedBroke, invariant)}); its replay command above does");
        }

        var smallest = _minimiser.Finish(m.Smallest, failed, m.How + "; replayed before it was saved");
        var smallestMiss = Miss(smallest, failed);
        if (smallestMiss == null)
        {
            return Kept(failed, KeptForm.Minimised, smallest, $"scenario saved, minimised ({m.How}; its replay breaks {invariant} again)");
        }

        var unminimised = _minimiser.Finish(m.Unminimised, failed, $"Unminimised: the minimised scenario ({m.How}) does not replay the failure ({smallestMiss}); this one was replayed before it was saved");
        var unminimisedMiss = Miss(unminimised, failed);
        return unminimisedMiss == null
            ? Kept(failed, KeptForm.Unminimised, unminimised, $"scenario saved, unminimised: the minimised one does not replay the failure ({smallestMiss}), the unminimised one does")
            : new KeptScenario(failed, KeptForm.None, null, null,
                $"no scenario saved: neither the minimised ({smallestMiss}) nor the unminimised scenario ({unminimisedMiss}) replays the failure; its replay command above does");
    }

    private static KeptScenario Kept(SeedResult failed, KeptForm form, Scenario scenario, string why) =>
        new(failed, form, scenario, ScenarioFile.ToJson(scenario), why);

    /// <summary>Null when the file text of <paramref name="s"/> replays the failure, else what its replay did instead.</summary>
    private string? Miss(Scenario s, SeedResult failed)
    {
        string? broke;
        try
        {
            broke = _minimiser.Replay(ScenarioFile.ToJson(s), s.Name + ScenarioFile.Extension).BrokenInvariant;
        }
        catch (ScenarioFormatException e)
        {
            return "it does not load: " + e.Message;
        }

        return broke == failed.Invariant ? null : Instead(broke, failed.Invariant);
    }

    private static string Instead(string? broke, string? wanted) =>
        broke == null ? $"no invariant broke where the run broke {wanted}" : $"{broke} broke where the run broke {wanted}";
}
