using System.Globalization;
using Harness.HardwareRunner.Cli;
using Harness.HardwareRunner.Scenarios;
using Harness.Sim.Faults;
using Harness.Sim.Scenarios;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Sweep;

/// <summary>
/// Shrinks a failing seed to a smaller scenario that still breaks the same invariant, checking every candidate by
/// running it (<see cref="ScenarioRunner"/>): first in the form <c>harness run</c> used (the fault profile drawing from
/// the seed), then
/// <list type="number">
/// <item>fewer probabilistic faults: the drawn swarm rates switched off, all at once, then one kind at a time;</item>
/// <item>fewer scripted faults: the profile's draws written out as an explicit fault list (with the read depth and I/O
/// size they needed), then delta debugging: drop halves, quarters, … single faults while it still fails;</item>
/// <item>fewer I/Os: halve while it still fails.</item>
/// </list>
/// Every step keeps the seed, so the result replays exactly; at most <see cref="RunsMax"/> runs per seed.
/// </summary>
public sealed class SweepMinimiser
{
    /// <summary>Candidate runs per failing seed at most.</summary>
    public const int RunsMax = 32;

    private static readonly object ParseGate = new();

    private readonly SweepSettings _sweep;
    private readonly KnownDefects _defects;
    private readonly Func<ScenarioDocument, ScenarioOutcome> _run;

    public SweepMinimiser(SweepSettings sweep)
        : this(sweep, d => ScenarioRunner.Run(d, new ScenarioRunOptions()))
    {
    }

    /// <summary>As <see cref="SweepMinimiser(SweepSettings)"/>, running each loaded scenario through <paramref name="run"/> (tests).</summary>
    internal SweepMinimiser(SweepSettings sweep, Func<ScenarioDocument, ScenarioOutcome> run)
    {
        _sweep = sweep;
        _defects = KnownDefectNames.Fold(sweep.Defects);
        _run = run;
    }

    /// <summary>
    /// The smallest failing scenario found for <paramref name="failed"/>, with what was removed; none when the
    /// unminimised scenario (the profile form, as <c>harness run</c> ran it) does not break the same invariant.
    /// </summary>
    public MinimisedSeed Minimise(SeedResult failed)
    {
        var runs = 0;
        var target = failed.Invariant;
        string? lastBroken = null;
        bool Fails(Scenario s)
        {
            runs++;
            lastBroken = Run(s).BrokenInvariant;
            return lastBroken == target;
        }

        var original = ProfileForm(failed.Seed, _sweep.Ios, swarm: null);
        if (!Fails(original))
        {
            return new MinimisedSeed(original, null, runs, lastBroken, "not minimised: the unminimised scenario does not break " + target);
        }

        var current = FewerSwarmFaults(original, failed.Seed, Fails, () => runs);
        var (explicitForm, faults) = ExplicitForm(current, failed.Seed);
        if (explicitForm != null && runs < RunsMax && Fails(explicitForm))
        {
            current = FewerScriptedFaults(explicitForm, faults, Fails, () => runs);
        }

        current = FewerIos(current, Fails, () => runs);
        var how = string.Create(CultureInfo.InvariantCulture, $"minimised from {Describe(original, failed.Seed)} to {Describe(current, failed.Seed)} in {runs} runs");
        return new MinimisedSeed(original, current, runs, target, how);
    }

    /// <summary>Runs a candidate (loaded through the scenario loader, as a file would be).</summary>
    public ScenarioOutcome Run(Scenario s) => Replay(ScenarioFile.ToJson(s), s.Name);

    /// <summary>Replays the scenario file text <paramref name="text"/> (<paramref name="file"/> names it in errors) as <c>harness replay</c> would.</summary>
    public ScenarioOutcome Replay(string text, string file)
    {
        ScenarioDocument document;
        lock (ParseGate)
        {
            document = ScenarioFile.Parse(text, file);
        }

        return _run(document);
    }

    private Scenario ProfileForm(ulong seed, int ios, ScenarioSwarm? swarm) => new()
    {
        Schema = "../docs/scenario.schema.json",
        Name = string.Create(CultureInfo.InvariantCulture, $"sweep-seed-{seed}"),
        Seed = seed,
        Defects = _sweep.Defects.Count > 0 ? _sweep.Defects.ToArray() : null,
        Expect = ScenarioExpectation.MustPassText,
        Topology = new ScenarioTopology { Qpairs = _sweep.Qpairs, QueueDepth = _sweep.QueueDepth },
        Random = new RandomWorkload { Ios = ios, IoSize = _sweep.IoSize, RwMix = _sweep.RwMix, FaultProfile = _sweep.Faults },
        Swarm = swarm,
    };

    /// <summary>The profile's swarm rates off: all of them, else each kind alone.</summary>
    private Scenario FewerSwarmFaults(Scenario s, ulong seed, Func<Scenario, bool> fails, Func<int> runs)
    {
        var drawn = Setup(s, seed).Plan.Swarm;
        if (drawn == null || runs() >= RunsMax)
        {
            return s;
        }

        var off = new ScenarioSwarm { PacketLossRate = 0, WcErrorRate = 0, CmEventDelayRate = 0, PostErrorRate = 0, AsyncEventRate = 0, PortFlapRate = 0, DeviceRemovalRate = 0, AddrChangeRate = 0, StaleConnRate = 0, ControllerErrorRate = 0, ControllerDelayRate = 0, CallErrorRate = 0 };
        if (fails(s with { Swarm = off }))
        {
            return s with { Swarm = off };
        }

        var current = ToScenarioSwarm(drawn);
        foreach (var without in new Func<ScenarioSwarm, ScenarioSwarm>[] { w => w with { PacketLossRate = 0 }, w => w with { WcErrorRate = 0 }, w => w with { CmEventDelayRate = 0 }, w => w with { PostErrorRate = 0 },
                     w => w with { AsyncEventRate = 0 }, w => w with { PortFlapRate = 0 }, w => w with { DeviceRemovalRate = 0 }, w => w with { AddrChangeRate = 0 },
                     w => w with { StaleConnRate = 0 }, w => w with { ControllerErrorRate = 0 }, w => w with { ControllerDelayRate = 0 }, w => w with { CallErrorRate = 0 } })
        {
            var candidate = without(current);
            if (candidate != current && runs() < RunsMax && fails(s with { Swarm = candidate }))
            {
                current = candidate;
            }
        }

        return s with { Swarm = current };
    }

    /// <summary>The profile's draws written out: no profile, its scripted faults listed, the read depth and I/O size it set.</summary>
    private (Scenario? Scenario, List<FaultSpec> Faults) ExplicitForm(Scenario s, ulong seed)
    {
        var setup = Setup(s, seed);
        if (setup.RecvRepostDelayNs != 0 || setup.RnrRetryCount != VerbsLimits.RetryCountMax)
        {
            return (null, new List<FaultSpec>()); // the rnr profile's host behaviour has no scenario form
        }

        var faults = setup.Plan.Scripted.Select(ScenarioNames.ToSpec).ToList();
        var swarm = s.Swarm ?? (setup.Plan.Swarm is { } drawn ? ToScenarioSwarm(drawn) : null);
        var scenario = s with
        {
            Topology = s.Topology! with
            {
                ReadDepth = setup.HostReadDepth,
                Srq = setup.TargetSrq ? true : s.Topology.Srq,
                Provider = setup.Provider == Sim.Nic.SimProvider.Rxe ? ScenarioNames.FormatProvider(setup.Provider) : s.Topology.Provider,
                Target = setup.InCapsuleDataSize is int inCapsule ? new ScenarioTargetOptions { InCapsuleDataSize = inCapsule } : s.Topology.Target,
                Host = setup.TimeoutAction != null || setup.IoTimeoutMs != null || setup.HostRdmaSrqSize != null
                    ? (s.Topology.Host ?? new ScenarioHostOptions()) with
                    {
                        TimeoutAction = setup.TimeoutAction is { } action ? (action == Transport.Host.NvmeTimeoutAction.Abort ? "abort" : "reset") : s.Topology.Host?.TimeoutAction,
                        IoTimeoutMs = setup.IoTimeoutMs ?? s.Topology.Host?.IoTimeoutMs,
                        RdmaSrqSize = setup.HostRdmaSrqSize ?? s.Topology.Host?.RdmaSrqSize,
                    }
                    : s.Topology.Host,
            },
            Random = s.Random! with
            {
                FaultProfile = FaultProfiles.None,
                IoSize = setup.LargeIoBytes > 0 && setup.LargeIoFraction >= 0.5 ? setup.LargeIoBytes : s.Random.IoSize,
                IovecsMax = setup.LargeIoBytes > 0 && setup.LargeIoFraction >= 0.5 && setup.LargeIoIovecs > 0 ? setup.LargeIoIovecs : setup.IovecsMax ?? s.Random.IovecsMax,
                CompareAndWriteFraction = setup.CompareAndWriteFraction ?? s.Random.CompareAndWriteFraction,
            },
            Faults = faults,
            Swarm = swarm,
        };
        return (scenario, faults);
    }

    /// <summary>Delta debugging over the scripted faults: remove chunks (halves, quarters, … singles) that are not needed.</summary>
    private static Scenario FewerScriptedFaults(Scenario s, List<FaultSpec> faults, Func<Scenario, bool> fails, Func<int> runs)
    {
        var current = faults;
        if (current.Count > 0 && runs() < RunsMax && fails(s with { Faults = Array.Empty<FaultSpec>() }))
        {
            return s with { Faults = Array.Empty<FaultSpec>() };
        }

        var n = 2;
        while (current.Count > 1 && runs() < RunsMax)
        {
            var chunk = (current.Count + n - 1) / n;
            var removed = false;
            for (var start = 0; start < current.Count && runs() < RunsMax; start += chunk)
            {
                var candidate = current.Take(start).Concat(current.Skip(start + chunk)).ToList();
                if (fails(s with { Faults = candidate }))
                {
                    current = candidate;
                    n = Math.Max(n - 1, 2);
                    removed = true;
                    break;
                }
            }

            if (!removed)
            {
                if (chunk == 1)
                {
                    break;
                }

                n = Math.Min(n * 2, current.Count);
            }
        }

        return s with { Faults = current };
    }

    private static Scenario FewerIos(Scenario s, Func<Scenario, bool> fails, Func<int> runs)
    {
        var current = s;
        while (current.Random!.Ios is int ios && ios > 1 && runs() < RunsMax)
        {
            var candidate = current with { Random = current.Random with { Ios = ios / 2 } };
            if (!fails(candidate))
            {
                break;
            }

            current = candidate;
        }

        return current;
    }

    private FaultSetup Setup(Scenario s, ulong seed) =>
        FaultProfileBuilder.Build(s.Random!.FaultProfile ?? FaultProfiles.None, seed, _sweep.Qpairs, _sweep.QueueDepth, s.Random.Ios ?? _sweep.Ios);

    private static ScenarioSwarm ToScenarioSwarm(SwarmProfile p) => new()
    {
        PacketLossRate = p.PacketLossRate,
        WcErrorRate = p.WcErrorRate,
        CmEventDelayRate = p.CmEventDelayRate,
        PostErrorRate = p.PostErrorRate,
        AsyncEventRate = p.AsyncEventRate,
        PortFlapRate = p.PortFlapRate,
        DeviceRemovalRate = p.DeviceRemovalRate,
        AddrChangeRate = p.AddrChangeRate,
        StaleConnRate = p.StaleConnRate,
        ControllerErrorRate = p.ControllerErrorRate,
        ControllerDelayRate = p.ControllerDelayRate,
        CallErrorRate = p.CallErrorRate,
        DeviceRemovalOrder = ScenarioNames.FormatRemovalOrder(p.DeviceRemovalOrder),
        DeviceRemovalGapNs = p.DeviceRemovalGapNs,
        CmEventDelayNsMax = p.CmEventDelayNsMax,
        WcErrorStatuses = p.WcErrorStatuses.Select(x => x.ToIbvName()).ToArray(),
    };

    private string Describe(Scenario s, ulong seed)
    {
        var setup = Setup(s, seed);
        var scripted = setup.Plan.Scripted.Count + (s.Faults?.Count ?? 0);
        var swarm = s.Swarm ?? (setup.Plan.Swarm is { } d ? ToScenarioSwarm(d) : null);
        var kinds = swarm == null ? 0 : new[] { swarm.PacketLossRate, swarm.WcErrorRate, swarm.CmEventDelayRate, swarm.PostErrorRate, swarm.AsyncEventRate, swarm.PortFlapRate, swarm.DeviceRemovalRate, swarm.AddrChangeRate, swarm.StaleConnRate, swarm.ControllerErrorRate, swarm.ControllerDelayRate, swarm.CallErrorRate }.Count(r => r > 0);
        return string.Create(CultureInfo.InvariantCulture, $"{s.Random!.Ios} I/Os, {scripted} scripted fault(s), {kinds} swarm fault kind(s)");
    }

    /// <summary>
    /// The scenario to save, <paramref name="how"/> it was made said in its description: the expectation is what a
    /// sweep means by the failure (see docs/reproducing-field-bugs.md).
    /// </summary>
    public Scenario Finish(Scenario s, SeedResult failed, string how)
    {
        var expect = _defects != KnownDefects.None && failed.Invariant != null
            ? ScenarioExpectation.MustDetectPrefix + failed.Invariant
            : ScenarioExpectation.MustPassText;
        return s with
        {
            Expect = ScenarioInvariants.IsKnown(failed.Invariant ?? string.Empty) ? expect : ScenarioExpectation.MustPassText,
            Description = string.Create(CultureInfo.InvariantCulture,
                $"Found by harness sweep (seed {failed.Seed}{(_sweep.Defects.Count > 0 ? ", defects " + string.Join(", ", _sweep.Defects) : string.Empty)}): {failed.Invariant}: {failed.Detail}. {failed.FaultLine}. Replays the run: {failed.Replay}. {how}."),
        };
    }
}
