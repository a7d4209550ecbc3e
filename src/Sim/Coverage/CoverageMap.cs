using Harness.Sim.Fabric;
using Harness.Sim.Faults;
using Harness.Sim.Tracing;
using Harness.Transport.Invariants;

namespace Harness.Sim.Coverage;

/// <summary>
/// What one run (or, merged, a whole sweep) reached: every <see cref="CoverageCategory"/> of
/// <see cref="CoverageUniverse"/>. The transports report into it through <see cref="Target"/> and <see cref="Host"/>
/// (their observer hooks), the fault injector through the trace (<see cref="Attach"/>). One map per run: a run is
/// single-threaded, so counting takes no lock; maps of parallel runs are merged afterwards (sums, so the order of the
/// merges does not matter).
/// </summary>
public sealed class CoverageMap
{
    public CoverageMap()
    {
        TargetRequestTransitions = CoverageUniverse.TargetRequestTransitions();
        HostQpairTransitions = CoverageUniverse.HostQpairTransitions();
        FaultSites = CoverageUniverse.FaultSitesReached();
        TargetErrorCompletions = CoverageUniverse.TargetErrorCompletions();
        HostErrorCompletions = CoverageUniverse.HostErrorCompletions();
        TargetCmEvents = CoverageUniverse.TargetCmEvents();
        HostCmEvents = CoverageUniverse.HostCmEvents();
        TargetAsyncEvents = CoverageUniverse.TargetAsyncEvents();
        Categories =
        [
            TargetRequestTransitions, HostQpairTransitions, FaultSites, TargetErrorCompletions, HostErrorCompletions, TargetCmEvents,
            HostCmEvents, TargetAsyncEvents,
        ];
        Target = new TargetCoverageProbe(this);
        Host = new HostCoverageProbe(this);
    }

    public CoverageCategory TargetRequestTransitions { get; }

    public CoverageCategory HostQpairTransitions { get; }

    public CoverageCategory FaultSites { get; }

    public CoverageCategory TargetErrorCompletions { get; }

    public CoverageCategory HostErrorCompletions { get; }

    public CoverageCategory TargetCmEvents { get; }

    public CoverageCategory HostCmEvents { get; }

    public CoverageCategory TargetAsyncEvents { get; }

    /// <summary>Every category, in the order the table prints them.</summary>
    public IReadOnlyList<CoverageCategory> Categories { get; }

    /// <summary>The target transport's observer that counts into this map (give it to <c>NvmfRdmaTransport</c>, or chain it).</summary>
    public TargetCoverageProbe Target { get; }

    /// <summary>The host transport's observer that counts into this map (<c>HostOptions.Observer</c>).</summary>
    public HostCoverageProbe Host { get; }

    /// <summary>Runs seen (1 per run; merged maps add them).</summary>
    public long Runs { get; private set; }

    /// <summary>Counts the fault records of <paramref name="fabric"/>'s trace from now on, and this run.</summary>
    public void Attach(SimFabric fabric)
    {
        var previous = fabric.Trace.Listener;
        fabric.Trace.Listener = previous == null ? OnRecord : r => { previous(r); OnRecord(r); };
        Runs++;
    }

    /// <summary>The category whose <see cref="CoverageCategory.Key"/> is <paramref name="key"/>, or null.</summary>
    public CoverageCategory? Category(string key) => Categories.FirstOrDefault(c => string.Equals(c.Key, key, StringComparison.Ordinal));

    /// <summary>Adds <paramref name="runs"/> runs seen elsewhere (a coverage file read back).</summary>
    public void AddRuns(long runs) => Runs = checked(Runs + runs);

    /// <summary>Adds <paramref name="other"/> (another run, or a file read back) to this map.</summary>
    /// <exception cref="OverflowException">A sum does not fit 64 bits (only files read back can hold such counts).</exception>
    public void Merge(CoverageMap other)
    {
        Check.That(!ReferenceEquals(other, this), CoverageCategory.Invariant, this, _ => "coverage: a map merged into itself counts twice");
        for (var i = 0; i < Categories.Count; i++)
        {
            Categories[i].Merge(other.Categories[i]);
        }

        Runs = checked(Runs + other.Runs);
    }

    private void OnRecord(TraceRecord record)
    {
        if (record.Kind != TraceKind.Fault)
        {
            return;
        }

        var site = record.Op ?? string.Empty;
        var sites = Faults.FaultSites.All;
        for (var row = 0; row < sites.Count; row++)
        {
            if (string.Equals(sites[row], site, StringComparison.Ordinal))
            {
                FaultSites.Hit(row);
                return;
            }
        }

        FaultSites.HitOutsideGrid(site); // a site recorded but not listed in FaultSites.All: the table flags it
    }
}
